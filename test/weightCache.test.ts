/**
 * The weight cache options: what each renders into the pod, the claim's access mode and size, the
 * bucket's ServiceAccount and its read access to exactly that bucket, and image streaming.
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
    GCS_FUSE_MODEL_MOUNT_OPTIONS,
    PlannedModel,
    ServingConfig,
    hfCacheClaim,
    modelServerServiceAccount,
    nodePoolSpec,
    planServing,
    workloadIdentityPrincipal,
} from "../components";
import { MOCK_PROJECT_NUMBER, runProgram } from "../tools/mockRuntime";
import { validateKubernetesObject } from "./helpers/kubernetesSchemas";
import { LLAMA, NETWORK_POLICY, deploymentOf, plannedLlama as planned } from "./helpers/plannedModels";
import { stackConfigWith } from "./helpers/stackConfigs";

const cluster = { project: "my-gcp-project", location: "us-central1-a", name: "inference-cluster" };
const podOf = (model: PlannedModel) => deploymentOf(model).spec.template;

test("volume cache: a claim for the Hugging Face cache; access mode and class from config, size from the weights", () => {
    const cases: { extra: Partial<ServingConfig["models"][number]>; claim: object }[] = [
        { extra: {}, claim: { accessMode: "ReadWriteOnce", storageClassName: "standard-rwo", sizeGb: 100 } },
        {
            extra: { replicas: 3, weightCache: { accessMode: "ReadWriteMany" } },
            claim: { accessMode: "ReadWriteMany", storageClassName: "standard-rwx", sizeGb: 1024 },
        },
        {
            extra: { weightCache: { storageClassName: "premium-rwo", sizeGb: 50 } },
            claim: { accessMode: "ReadWriteOnce", storageClassName: "premium-rwo", sizeGb: 50 },
        },
        {
            extra: { name: "meta-llama/Llama-3.1-70B-Instruct", gpu: { count: 8 } },
            claim: { accessMode: "ReadWriteOnce", storageClassName: "standard-rwo", sizeGb: 170 },
        },
    ];
    for (const { extra, claim } of cases) {
        const model = planned(extra);
        const { name: claimName, ...settings } = model.weightCache.claim!;
        assert.deepEqual(settings, claim, JSON.stringify(extra));
        // Named for what cannot change on a claim: a new mode or class is a new claim.
        assert.match(claimName, new RegExp(`^vllm-${model.key}-hf-cache-[0-9a-f]{6}$`));
        const manifest = hfCacheClaim(model, "ns");
        assert.doesNotThrow(() => validateKubernetesObject(manifest));
        assert.deepEqual(manifest.spec.accessModes, [(claim as { accessMode: string }).accessMode]);
        const pod = podOf(model);
        assert.deepEqual(
            pod.spec.volumes.find((v: any) => v.name === "hf-cache"),
            { name: "hf-cache", persistentVolumeClaim: { claimName } },
        );
        assert.deepEqual(
            pod.spec.containers[0].volumeMounts.find((m: any) => m.name === "hf-cache"),
            { name: "hf-cache", mountPath: "/root/.cache/huggingface" },
        );
        assert.equal(pod.spec.containers[0].args[1], model.huggingFaceId, "vLLM downloads into the cache once");
        assert.equal(pod.spec.serviceAccountName, undefined);
    }
});

test("bucket cache: read-only GCS FUSE volume, sidecar annotations, own ServiceAccount, vLLM loads from the mount", () => {
    const model = planned({ weightCache: { type: "bucket", bucket: "my-weights", path: "llama/8b" } });
    const pod = podOf(model);
    const volume = pod.spec.volumes.find((v: any) => v.name === "model-weights");
    assert.deepEqual(volume.csi, {
        driver: "gcsfuse.csi.storage.gke.io",
        readOnly: true,
        volumeAttributes: { bucketName: "my-weights", mountOptions: GCS_FUSE_MODEL_MOUNT_OPTIONS.join(","), gcsfuseMetadataPrefetchOnMount: "true" },
    });
    for (const option of ["implicit-dirs", "file-cache:enable-parallel-downloads:true", "file-cache:max-size-mb:-1"]) {
        assert.ok(volume.csi.volumeAttributes.mountOptions.split(",").includes(option), option);
    }
    assert.deepEqual(
        pod.spec.containers[0].volumeMounts.find((m: any) => m.name === "model-weights"),
        { name: "model-weights", mountPath: "/models", readOnly: true },
    );
    assert.equal(pod.metadata.annotations["gke-gcsfuse/volumes"], "true");
    assert.equal(pod.metadata.annotations["gke-gcsfuse/ephemeral-storage-limit"], "0");
    assert.equal(pod.spec.serviceAccountName, "vllm-llama-3-1-8b-instruct");
    const args: string[] = pod.spec.containers[0].args;
    assert.deepEqual(args.slice(0, 4), ["--model", "/models/llama/8b", "--served-model-name", LLAMA]);
    const account = modelServerServiceAccount(model, "ns");
    assert.doesNotThrow(() => validateKubernetesObject(account));
    assert.equal(account.automountServiceAccountToken, false);
    assert.equal(planned({ weightCache: { type: "bucket", bucket: "my-weights" } }).weightCache.bucket?.path, LLAMA, "path defaults to the HF ID");
    assert.equal(
        workloadIdentityPrincipal("42", "my-gcp-project", "ns", "vllm-x"),
        "principal://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/my-gcp-project.svc.id.goog/subject/ns/ns/sa/vllm-x",
    );
});

test("no cache: the pod is the one without a cache option, an emptyDir", () => {
    const pod = podOf(planned({ weightCache: { type: "none" } }));
    assert.deepEqual(
        pod.spec.volumes.map((v: any) => v.name),
        ["shm", "scratch", "hf-cache"],
    );
    assert.deepEqual(pod.spec.volumes[2], { name: "hf-cache", emptyDir: {} });
    assert.equal(pod.metadata.annotations, undefined);
});

test("image streaming on GPU node pools: on by default, configurable", () => {
    for (const [imageStreaming, enabled] of [
        [undefined, true],
        [false, false],
    ] as const) {
        const plan = planServing({
            cluster,
            models: [{ name: LLAMA }],
            nodePools: { "nvidia-l4": imageStreaming === undefined ? {} : { imageStreaming } },
            networkPolicy: NETWORK_POLICY,
        });
        assert.deepEqual((nodePoolSpec({ ...plan.nodePools[0], cluster }) as any).nodeConfig.gcfsConfig, { enabled });
    }
});

test("under mocks: a bucket model gets a ServiceAccount and read access to exactly its bucket; the other keeps its claim", async () => {
    const run = await runProgram(
        "gke",
        stackConfigWith("gke", "bucket-cache", (m, i) => (i === 0 ? { ...m, weightCache: { type: "bucket", bucket: "llama-weights" } } : m)),
    );
    const grants = run.resources.filter((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember");
    assert.deepEqual(
        grants.map((g) => g.inputs),
        [
            {
                bucket: "llama-weights",
                role: "roles/storage.objectViewer",
                member: `principal://iam.googleapis.com/projects/${MOCK_PROJECT_NUMBER}/locations/global/workloadIdentityPools/my-gcp-project.svc.id.goog/subject/ns/default/sa/vllm-llama-3-1-8b-instruct`,
            },
        ],
    );
    const objects = (type: string) => run.resources.filter((r) => r.type === type);
    const servingAccounts = objects("kubernetes:core/v1:ServiceAccount").filter((r) => r.urn.includes("WeightCache$"));
    assert.deepEqual(
        servingAccounts.map((r) => (r.inputs["metadata"] as { name: string }).name),
        ["vllm-llama-3-1-8b-instruct"],
    );
    assert.deepEqual(
        objects("kubernetes:core/v1:PersistentVolumeClaim").map((r) => r.name),
        ["inference-phi-4-mini-instruct-hf-cache"],
    );
    for (const object of [
        ...objects("kubernetes:core/v1:ServiceAccount"),
        ...objects("kubernetes:core/v1:PersistentVolumeClaim"),
        ...objects("kubernetes:apps/v1:Deployment"),
    ]) {
        assert.doesNotThrow(() => validateKubernetesObject(object.inputs), `${object.type} ${object.name}`);
    }
    const llama = objects("kubernetes:apps/v1:Deployment").find((r) => r.name === "inference-llama-3-1-8b-instruct-deployment")?.inputs as any;
    assert.equal(llama.spec.template.spec.serviceAccountName, "vllm-llama-3-1-8b-instruct");
    const args = llama.spec.template.spec.containers[0].args as string[];
    assert.equal(args[args.indexOf("--model") + 1], "/models/meta-llama/Llama-3.1-8B-Instruct");
    const pool = objects("gcp:container/nodePool:NodePool")[0].inputs as any;
    assert.deepEqual(pool.nodeConfig.gcfsConfig, { enabled: true });
});
