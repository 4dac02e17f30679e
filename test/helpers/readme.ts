// The README's ```ts code blocks, each a program an organisation would paste into its own project.
import * as fs from "fs";
import * as path from "path";

export const README = path.resolve(__dirname, "../../README.md");

/** Every ```ts block of README.md with the line it starts on. */
export function readmeTsBlocks(file: string = README): Array<{ line: number; code: string }> {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const out: Array<{ line: number; code: string }> = [];
    for (let i = 0; i < lines.length; i++) {
        if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
        const start = i + 1;
        let j = start;
        while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
        out.push({ line: start + 1, code: lines.slice(start, j).join("\n") + "\n" });
        i = j;
    }
    return out;
}

/** Write each block as its own module (`readme-<line>.ts`) into `dir`; returns the file names. */
export function writeReadmeBlocks(dir: string): string[] {
    return readmeTsBlocks().map((b) => {
        const name = `readme-${b.line}.ts`;
        fs.writeFileSync(path.join(dir, name), b.code);
        return name;
    });
}
