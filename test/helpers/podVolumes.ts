/**
 * A pod's volumes laid out on this machine as the kubelet would mount them for one container:
 * each under a temporary root at its mount path, with a ConfigMap's or Secret's keys (or the
 * items the volume picks), an emptyDir empty. For the tests that run a real program (nginx, the
 * LoRA syncer) on what the program renders.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The data of the ConfigMaps and Secrets the pod's volumes name, by name. */
export interface VolumeSources {
    configMaps: Record<string, Record<string, string>>;
    secrets: Record<string, Record<string, string>>;
}

/** Writes `container`'s mounts of `volumes` under `root`; returns where a mount path lies here. */
export function layOutVolumes(
    root: string,
    volumes: any[],
    container: { volumeMounts: { name: string; mountPath: string }[] },
    sources: VolumeSources,
): (mountPath: string) => string {
    const hostPath = (mountPath: string) => path.join(root, mountPath);
    for (const mount of container.volumeMounts) {
        const volume = volumes.find((v) => v.name === mount.name);
        const data = volume.configMap ? sources.configMaps[volume.configMap.name] : volume.secret ? sources.secrets[volume.secret.secretName] : {};
        if (data === undefined) throw new Error(`volume ${mount.name} names no ConfigMap or Secret the test was given`);
        const items: { key: string; path: string }[] = (volume.configMap ?? volume.secret)?.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        fs.mkdirSync(hostPath(mount.mountPath), { recursive: true });
        for (const item of items) fs.writeFileSync(path.join(hostPath(mount.mountPath), item.path), data[item.key]);
    }
    return hostPath;
}
