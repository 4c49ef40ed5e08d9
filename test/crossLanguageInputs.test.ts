/**
 * The component as another language constructs it: through `pulumi package add`, the engine sends
 * the inputs over gRPC and the SDK's provider server turns each one that depends on another
 * resource into an Output (`deserializeInputs`, @pulumi/pulumi/provider/server at 3.248) before
 * the component provider's `construct` creates the component. Here the same two functions of the
 * SDK run in-process under Pulumi's mocks.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { componentProvider } from "../tools/packageSchema";

// SDK internals (3.248, pinned): the provider server's input decoding and the protobuf Struct it reads.
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

const { deserializeInputs } = require(path.join(sdkDir, "provider", "server")) as {
    deserializeInputs(struct: unknown, dependencies: Map<string, { getUrnsList(): string[] }>): Promise<Record<string, unknown>>;
};

const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] })) as {
    Struct: { fromJavaScript(value: object): unknown };
};

const MULTI_MODEL_INFERENCE = "multi-model-inference:index:MultiModelInference";
const registered: string[] = [];

before(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push(`${args.type} ${args.name}`);
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => {
                throw new Error(`unexpected invoke ${args.token}`);
            },
        },
        "multi-model-inference",
        "cross-language",
        false,
    );
});

/** The inputs a YAML program sends, decoded as the provider server decodes them: `dependsOn`
 * names, per input, the URNs of the resources its value came from. */
async function decodedInputs(inputs: Record<string, unknown>, dependsOn: Record<string, string[]>) {
    const dependencies = new Map(Object.entries(dependsOn).map(([key, urns]) => [key, { getUrnsList: () => urns }]));
    return deserializeInputs(Struct.fromJavaScript(inputs), dependencies);
}

const CLUSTER_URN = "urn:pulumi:cross-language::yaml::gcp:container/cluster:Cluster::cluster";
const serving = {
    cluster: { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" },
    hfToken: "hf_cross_language_token",
    networkPolicy: { gatewaySourceRanges: ["10.129.0.0/23"] },
    models: [{ name: "meta-llama/Llama-3.1-8B-Instruct" }],
};

test("an input that depends on another resource reaches construct as an Output", async () => {
    const inputs = await decodedInputs(serving, { cluster: [CLUSTER_URN] });
    assert.ok(pulumi.Output.isInstance(inputs["cluster"]));
    assert.ok(!pulumi.Output.isInstance(inputs["models"]));
});

test("construct refuses it, naming the field and saying it must be a plain value, before registering anything", async () => {
    const inputs = await decodedInputs(serving, { cluster: [CLUSTER_URN] });
    await assert.rejects(componentProvider().construct("inference", MULTI_MODEL_INFERENCE, inputs, {}), (error: unknown) => {
        const message = String((error as Error).message);
        assert.match(message, /^Invalid configuration \(1 problem\):\n {2}- cluster: is a Pulumi Output/);
        assert.match(message, /pass a plain value/);
        assert.match(message, /createdCluster, which takes outputs/);
        assert.ok(!message.includes(serving.hfToken));
        return true;
    });
    assert.deepEqual(registered, []);
});

test("an Output deep inside a value is named by its full path", async () => {
    const inputs = { ...serving, models: [{ name: "meta-llama/Llama-3.1-8B-Instruct", key: pulumi.output("llama") }] };
    await assert.rejects(componentProvider().construct("inference", MULTI_MODEL_INFERENCE, inputs, {}), /- models\[0\]\.key: is a Pulumi Output/);
    assert.deepEqual(registered, []);
});
