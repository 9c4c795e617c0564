/**
 * Test helper: parses an SVG with a real XML parser (Python's minidom, from
 * the project's .venv) and returns what a reader would see: every text
 * element's content and every embedded image's href.
 */
import { spawnSync } from "node:child_process";
import { projectPython } from "../../lib/notebook/python";

const SCRIPT = `
import json, sys, xml.dom.minidom as m
doc = m.parseString(sys.stdin.buffer.read())
def text_of(node):
    return "".join(n.data if n.nodeType == n.TEXT_NODE else text_of(n) for n in node.childNodes)
root = doc.documentElement
print(json.dumps({
  "root": root.tagName,
  "width": root.getAttribute("width"),
  "height": root.getAttribute("height"),
  "texts": [text_of(t) for t in doc.getElementsByTagName("text")],
  "images": [i.getAttribute("xlink:href") or i.getAttribute("href") for i in doc.getElementsByTagName("image")],
}))
`;

export interface ParsedSvg {
  root: string;
  width: string;
  height: string;
  texts: string[];
  images: string[];
}

/** Throws with the parser's message if the SVG is not well-formed XML. */
export function parseSvg(svg: string): ParsedSvg {
  const result = spawnSync(projectPython(), ["-c", SCRIPT], { input: svg, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`SVG is not well-formed XML: ${result.stderr.trim().split("\n").pop()}`);
  return JSON.parse(result.stdout) as ParsedSvg;
}
