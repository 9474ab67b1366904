"""External links: URL syntax and the link plan (:mod:`.plan`), HTTP checking (:mod:`.http`)."""
