// The table of skiff subcommands. Each entry loads its module only when run.
import { version } from "./version.ts";

export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

export const commands: Command[] = [
  {
    name: "version",
    summary: "print the skiff version",
    run: async () => {
      process.stdout.write(`skiff ${version}\n`);
      return 0;
    },
  },
  {
    name: "images",
    summary: "build the offline images (node-base, control-plane, demo-app); --force rebuilds",
    run: async (args) => (await import("../images/images-command.ts")).runImagesCommand(args),
  },
];
