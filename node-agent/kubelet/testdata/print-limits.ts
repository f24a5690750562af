// Run inside a container by node-status.test.ts: prints what the agent
// would register as its capacity.
import { containerLimits } from "../node-status.ts";

process.stdout.write(JSON.stringify(await containerLimits()) + "\n");
