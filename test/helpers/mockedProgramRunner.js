// Runs a compiled Pulumi program under the mock runtime of the @pulumi/pulumi installed next to
// it (the program's own SDK instance, as `pulumi up` would load it) and prints, as JSON on
// stdout, every resource it registered and its resolved stack outputs.
// Usage: node mockedProgramRunner.js <program.js> <config.json>
// config.json: { "project": "...", "stack": "...", "config": { "<project>:<key>": "..." }, "secretKeys": [...] }
"use strict";
const fs = require("fs");
const path = require("path");
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [process.cwd()] }));
const settings = require(require.resolve("@pulumi/pulumi/runtime/settings", { paths: [process.cwd()] }));

const [programPath, configPath] = process.argv.slice(2);
const { project, stack, config, secretKeys } = JSON.parse(fs.readFileSync(configPath, "utf8"));
const resources = [];

pulumi.runtime.setMocks(
    {
        newResource(args) {
            resources.push({ type: args.type, name: args.name, custom: args.custom, inputs: args.inputs });
            return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
        },
        call(args) {
            if (args.token === "gcp:container/getCluster:getCluster") {
                return { ...args.inputs, endpoint: "cluster-endpoint.invalid", masterAuths: [{ clusterCaCertificate: "bW9jay1jYQ==" }] };
            }
            throw new Error(`unexpected invoke ${args.token}`);
        },
    },
    project,
    stack,
    false,
);
pulumi.runtime.setAllConfig(config, secretKeys);

async function main() {
    const program = require(path.resolve(programPath));
    const outputs = {};
    for (const [name, value] of Object.entries(program)) {
        outputs[name] = await new Promise((resolve) => pulumi.output(value).apply(resolve));
    }
    await settings.waitForRPCs();
    process.stdout.write(JSON.stringify({ resources, outputs }));
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
