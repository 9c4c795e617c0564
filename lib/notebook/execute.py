"""Executes one notebook with nbclient and exports it to HTML with nbconvert.

Called by lib/notebook/runner.ts. Prints one JSON line on stdout:
{"ok": true} or {"ok": false, "cell": <0-based index>, "ename", "evalue", "traceback"}.
The executed notebook (up to the failing cell) is saved either way.
"""
import argparse
import base64
import json
import re
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


SVG_IMAGE = re.compile(r'<img[^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*>')


def inline_svg(match):
    """nbconvert embeds SVG outputs as base64 <img>; put the SVG itself in the page so it is searchable and styleable."""
    svg = base64.b64decode(match.group(1)).decode("utf-8")
    return svg if svg.lstrip().startswith("<svg") else match.group(0)


def export_html(notebook, html_path):
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(notebook)
    body = SVG_IMAGE.sub(inline_svg, body)
    with open(html_path, "w", encoding="utf-8") as handle:
        handle.write(body)


ERROR_LINE = re.compile(r"^(\w*Error|\d+:\d+ - )")


def error_of(cell, fallback):
    """tslab reports a failing cell on stderr, not as an "error" output: read whichever is there."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), output.get("evalue", ""), output.get("traceback", [])
    stderr = "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if ERROR_LINE.match(line):
            name, _, message = line.partition(": ")
            return (name, message, lines) if message and not line[0].isdigit() else ("CompileError", line, lines)
    if lines:
        return "Error", lines[0], lines
    # No output at all: the kernel's execute reply still names the error.
    ename, evalue = getattr(fallback, "ename", None), getattr(fallback, "evalue", None)
    if ename or evalue:
        return ename or type(fallback).__name__, evalue or "", []
    text = str(fallback).strip()
    return type(fallback).__name__, text.splitlines()[-1] if text else "", []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", help="notebook to execute in place")
    parser.add_argument("--html", help="write an HTML export here")
    parser.add_argument("--kernel", default="kdlab")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--cwd", default=".")
    args = parser.parse_args()

    notebook = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=args.kernel,
        timeout=args.timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": args.cwd}},
    )
    result = {"ok": True}
    try:
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                try:
                    try:
                        client.execute_cell(cell, index)
                    except CellExecutionError as error:
                        # tslab now and then answers a cell with a bare "error" before running it (no output, no
                        # execution count, no ename): the cell never ran, so running it once more repeats nothing.
                        if cell.get("outputs") or cell.get("execution_count") is not None or getattr(error, "ename", None) not in (None, "<Error>"):
                            raise
                        print(f"kdlab: cell {index + 1} was refused by the kernel before it ran; running it again", file=sys.stderr)
                        client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
                    ename, evalue, traceback = error_of(cell, error)
                    if isinstance(error, CellTimeoutError):
                        ename, evalue = "CellTimeoutError", f"cell ran longer than {args.timeout} s"
                    if isinstance(error, DeadKernelError):
                        ename, evalue = "DeadKernelError", str(error)
                    result = {"ok": False, "cell": index, "ename": ename, "evalue": evalue, "traceback": traceback}
                    break
    except Exception as error:  # kernel did not start, etc.
        result = {"ok": False, "cell": -1, "ename": type(error).__name__, "evalue": str(error), "traceback": []}
    nbformat.write(notebook, args.notebook)
    if args.html:
        export_html(notebook, args.html)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
