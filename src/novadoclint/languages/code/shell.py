"""Shell scripts in code blocks: ``bash -n`` on a prompt-free script, opt-in.

Why opt-in and so careful: it runs a subprocess per block, and a block
with prompts is a session (commands and their output), not a script.
"""

from __future__ import annotations

import re

from novadoclint.languages.code.snippets import (
    CodeProblem,
    clamp,
    elision_or_placeholder,
    line_at,
    lower_first,
)

_ROOT_PROMPT_COMMANDS = (
    "sudo|su|apt|apt-get|aptitude|yum|dnf|zypper|rpm|dpkg|pip|pip3|python|python3|systemctl|"
    "service|cd|ls|cat|echo|export|source|mkdir|rm|cp|mv|chmod|chown|ln|git|curl|wget|tar|"
    "openstack|nova|nova-manage|virsh|qemu-img|mysql|docker|podman|kubectl|vi|vim|nano|"
    "grep|sed|awk|tail|head|ip|ovs-vsctl|modprobe|lspci|lsmod|dmesg|mount|umount|useradd|"
    "usermod|passwd|ssh|scp|rsync|make|tox|crudini|firewall-cmd|iptables|setenforce"
)
PROMPT_RE = re.compile(
    r"^\s*(?:"
    r"[$%>](?:\s|$)"  # $ cmd, % cmd, > cmd
    r"|\([\w.-]+\)\s*[$#%>](?:\s|$)"  # (venv) $ cmd
    r"|(?:[\w.-]+@[\w.-]+(?::\S*)?|\[[^\]\n]*\])\s?[$#%>](?:\s|$)"  # user@host:~$ cmd
    r"|(?:PS\s+)?[A-Za-z]:\\[^>\n]*>"  # C:\> cmd
    rf"|#\s*(?:(?:{_ROOT_PROMPT_COMMANDS})(?:\s|$)|\.?/)"  # # apt-get ... (root prompt)
    r"|[\w-]+(?: \[[^\]\n]*\])?> "  # mysql> select, MariaDB [nova]> select
    r"|\+[-=+]{3,}\s*$"  # +------+ border of a table printed by a command
    r")"
)
BASH_ERROR_RE = re.compile(r"line (\d+): (.*)$", re.MULTILINE)


def check_bash(text: str) -> tuple[CodeProblem, ...]:
    """Run ``bash -n`` on a prompt-free script; skipped when bash is missing or slow.

    A block with prompt lines is a session (commands mixed with output), not
    a script.  Errors on lines with ``<placeholder>`` or elisions are dropped.
    """
    if any(PROMPT_RE.match(line) for line in text.splitlines()):
        return ()
    import shutil
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        return ()
    try:
        result = subprocess.run(
            [bash, "-n"],
            input=text if text.endswith("\n") else text + "\n",
            capture_output=True,
            text=True,
            timeout=5,
            env={"LC_ALL": "C", "PATH": ""},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if result.returncode == 0:
        return ()
    found = BASH_ERROR_RE.search(result.stderr)
    if not found:
        return ()
    lines = text.splitlines()
    lineno = clamp(int(found.group(1)), lines)
    if elision_or_placeholder(line_at(lines, lineno)):
        return ()
    what = re.sub(r"^syntax error:?\s*", "", found.group(2).strip()) or "invalid syntax"
    return (CodeProblem(lineno, 1, f"bash syntax error: {lower_first(what)}"),)
