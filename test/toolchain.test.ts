/**
 * The tools `npm run tools` built: each program runs and reports the version versions.json pins,
 * and the wrapper go.mod repeats the real module's replace lines. Skipped, with the reason, where
 * the tools are not built. The Python environments hold exactly python-lock.json's packages.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { BIN_DIR, downloadModule } from "../tools/local/cache";
import { GoBuild, toolsMissing, toolsNotBuilt, wrapperGoMod } from "../tools/local/toolchain";
import { venvPython } from "../tools/local/packagedPrograms";
import lock from "../tools/local/python-lock.json";
import versions from "../tools/local/versions.json";

const missing = toolsMissing();
const run = (binary: string, ...args: string[]) => execFileSync(path.join(BIN_DIR, binary), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("every built program reports the version versions.json pins", { skip: missing }, () => {
    const { build } = versions;
    assert.equal(run("pulumi", "version").trim(), build.pulumi.version);
    assert.match(run("kube-apiserver", "--version"), new RegExp(`^Kubernetes ${build.kubernetes.version.replace(/\./g, "\\.")}\\b`));
    assert.match(run("kubectl", "version", "--client"), new RegExp(build.kubernetes.version.replace(/\./g, "\\.")));
    assert.match(run("etcd", "--version"), new RegExp(`etcd Version: ${build.etcd.version.slice(1).replace(/\./g, "\\.")}`));
    assert.match(run("helm", "version", "--short"), new RegExp(`^${build.helm.version.replace(/\./g, "\\.")}`));
});

test("a wrapper go.mod repeats the module's replace lines, local paths at their published version", { skip: missing }, () => {
    const etcd = versions.build.etcd as GoBuild;
    const wrapper = wrapperGoMod("etcd", etcd, downloadModule(etcd.module, etcd.version).goMod, "1.26");
    // etcd's server module replaces its sibling modules by path, and guards two others.
    for (const sibling of ["go.etcd.io/etcd/api/v3", "go.etcd.io/etcd/client/v3", "go.etcd.io/etcd/client/pkg/v3", "go.etcd.io/etcd/pkg/v3"]) {
        assert.ok(wrapper.includes(`replace ${sibling} => ${sibling} ${etcd.replaceLocal}`), sibling);
    }
    assert.doesNotMatch(wrapper, /FORBIDDEN_DEPENDENCY|=> \.\.?\//);
    const pulumi = versions.build.pulumi as GoBuild;
    const cli = wrapperGoMod("pulumi", pulumi, downloadModule(pulumi.module, pulumi.version).goMod, "1.26");
    assert.match(cli, /replace github\.com\/atotto\/clipboard => github\.com\/tgummerer\/clipboard v0\.0\.0-/);
});

test(
    "each Python environment holds exactly its locked packages, and the lock every requirement it was made from",
    { skip: toolsNotBuilt(["lora-syncer", "vllm-resolver"]) },
    () => {
        // A name as PEP 503 normalises it; the version as written.
        const normal = (pin: string) => pin.replace(/^[^=]+/, (name) => name.toLowerCase().replace(/[-_.]+/g, "-"));
        const syncer = versions.python["lora-syncer"];
        const declared = {
            "lora-syncer": fs
                .readFileSync(path.join(downloadModule(syncer.module, syncer.version).dir, syncer.requirements), "utf8")
                .split("\n")
                .filter((l) => /==/.test(l)),
            "vllm-resolver": versions.pypiSources["vllm-resolver"].requirements,
        };
        for (const [name, pins] of Object.entries(declared) as [keyof typeof declared, string[]][]) {
            const locked = Object.keys(lock[name]);
            for (const pin of pins) assert.ok(locked.includes(normal(pin.trim())), `${name}: ${pin} is not in python-lock.json (npm run tools -- --lock)`);
            const frozen = execFileSync(venvPython(name), ["-m", "pip", "freeze", "--all", "--exclude", "pip", "--exclude", "setuptools"], { encoding: "utf8" })
                .split("\n")
                .filter((l) => l !== "")
                .map(normal);
            assert.deepEqual(frozen.sort(), [...locked].sort(), `${name}: installed as locked`);
        }
    },
);
