import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Notebook, cellSource, cellTags } from "../../lib/notebook/notebook-file";
import { INJECTED_TAG, declaredNames, injectParameters, parseParameterAssignments } from "../../lib/notebook/parameters";

function notebook(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# title" },
      { cell_type: "code", metadata: { tags: ["parameters"] }, source: "const epochs = 25; // study\nlet lr: number = 1e-4;\nconst name = \"x\";", outputs: [], execution_count: null },
      { cell_type: "code", metadata: {}, source: "console.log(epochs);", outputs: [], execution_count: null },
    ],
  };
}

describe("parameter injection", () => {
  test("finds the names a parameters cell declares", () => {
    assert.deepEqual(declaredNames("const a = 1;\nlet b: number = 2; var c = [1]\n// const commented = 3\n"), ["a", "b", "c"]);
  });

  test("inserts an injected-parameters cell right after the parameters cell", () => {
    const result = injectParameters(notebook(), { epochs: 3, name: "quick run", lr: 0.01 }, "nb.ipynb");
    assert.equal(result.cells.length, 4);
    assert.deepEqual(cellTags(result.cells[2]), [INJECTED_TAG]);
    const source = cellSource(result.cells[2]);
    assert.match(source, /^const epochs = 3;$/m);
    assert.match(source, /^const name = "quick run";$/m);
    assert.match(source, /^const lr = 0.01;$/m);
  });

  test("replaces an earlier injection instead of stacking cells", () => {
    const once = injectParameters(notebook(), { epochs: 3 }, "nb.ipynb");
    const twice = injectParameters(once, { epochs: 5 }, "nb.ipynb");
    const injected = twice.cells.filter((c) => cellTags(c).includes(INJECTED_TAG));
    assert.equal(injected.length, 1);
    assert.match(cellSource(injected[0]), /const epochs = 5;/);
  });

  test("a misspelt parameter is an error naming it and the declared ones", () => {
    assert.throws(() => injectParameters(notebook(), { epoch: 3 }, "nb.ipynb"), /nb\.ipynb: unknown parameter\(s\) epoch; the parameters cell declares epochs, lr, name/);
  });

  test("a notebook without a parameters cell cannot take parameters", () => {
    const plain = notebook();
    plain.cells[1].metadata = {};
    assert.throws(() => injectParameters(plain, { epochs: 3 }, "plain.ipynb"), /plain\.ipynb: no code cell is tagged "parameters"/);
  });

  test("parses name=value assignments into typed values", () => {
    assert.deepEqual(parseParameterAssignments(["a=3", "b=1e-4", "c=true", "d=hello", "e=[1,2]", "f=null"]), { a: 3, b: 1e-4, c: true, d: "hello", e: [1, 2], f: null });
    assert.throws(() => parseParameterAssignments(["novalue"]), /name=value/);
  });
});
