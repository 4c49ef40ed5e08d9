/**
 * The real programs that come from Debian's packages and PyPI rather than the Go module proxy:
 * nginx and njs unpacked from Debian 12's packages, the LoRA syncer's requirements in a virtual
 * environment, and vLLM's modules from PyPI's source archive. Each is an optional step of `npm run
 * tools`: where apt or Python is missing, their tests say why they skip. Every PyPI package a
 * virtual environment gets, transitive ones included, is installed from python-lock.json, by
 * version and digest; `npm run tools -- --lock` writes that file from the requirements.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../repoRoot";
import { CACHE_DIR, downloadModule } from "./cache";
import lock from "./python-lock.json";
import versions from "./versions.json";

/** Programs unpacked from Debian's packages. */
export interface DebianPackages {
    /** Package name to version, as `apt-get download` takes them. */
    packages: Record<string, string>;
    /** Why these. */
    why: string;
}

/** A Python program of a module archive, with the requirements file it pins its packages in. */
export interface PythonProgram {
    /** Module path on the proxy. */
    module: string;
    /** Module version. */
    version: string;
    /** The requirements file, relative to the module. */
    requirements: string;
    /** The program's folder, relative to the module: where it runs from. */
    program: string;
    /** Why this. */
    why: string;
}

/** Modules of a Python package's source archive on PyPI, checked against its digest. */
export interface PypiSource {
    /** Package name on PyPI. */
    package: string;
    /** Its version: the archive is `<package>-<version>.tar.gz`. */
    version: string;
    /** The archive's sha256. */
    sha256: string;
    /** Paths unpacked, relative to the archive's top folder (tar wildcards). */
    unpack: string[];
    /** Packages the unpacked modules import beyond the standard library, pinned. */
    requirements: string[];
    /** Why this. */
    why: string;
}

/** The root the Debian packages of a tool are unpacked under (`<root>/usr/sbin/nginx`). */
export const debianRoot = (name: keyof typeof versions.debian): string => path.join(CACHE_DIR, "debian", name);
type PythonName = keyof typeof versions.python | keyof typeof versions.pypiSources;
/** A Python program's virtual environment, and its Python. */
const venvDir = (name: PythonName): string => path.join(CACHE_DIR, "python", name);
export const venvPython = (name: PythonName): string => path.join(venvDir(name), "bin", "python");
/** Where a PyPI source archive's modules are unpacked: the folder to put on `PYTHONPATH`. */
export const pypiSourceDir = (name: keyof typeof versions.pypiSources): string => path.join(venvDir(name), "source");
/** The environment that runs a PyPI source's modules in its virtual environment's Python (no
 * bytecode written into the unpacked source). */
export const pypiSourceEnv = (name: keyof typeof versions.pypiSources) => ({ PYTHONPATH: pypiSourceDir(name), PYTHONDONTWRITEBYTECODE: "1" });
/** Downloads the packages at their versions (updating apt's lists once if they do not know them)
 * and unpacks them under the tool's root: nothing is installed, so no service starts. */
function unpackDebian(name: keyof typeof versions.debian, spec: DebianPackages): void {
    const root = debianRoot(name);
    const downloads = fs.mkdtempSync(path.join(CACHE_DIR, "debian-downloads-"));
    try {
        const wanted = Object.entries(spec.packages).map(([pkg, version]) => `${pkg}=${version}`);
        const download = () => execFileSync("apt-get", ["download", ...wanted], { cwd: downloads, stdio: ["ignore", "ignore", "pipe"] });
        try {
            download();
        } catch (error) {
            const said = String((error as { stderr?: Buffer }).stderr ?? "").trim();
            // apt's lists may not know the version yet; updating them needs root.
            if (process.getuid?.() !== 0)
                throw new Error(`apt-get download ${wanted.join(" ")}: ${said}; as root, npm run tools would update apt's lists first`, {
                    cause: error,
                });
            execFileSync("apt-get", ["update"], { stdio: ["ignore", "ignore", "inherit"] });
            download();
        }
        fs.rmSync(root, { recursive: true, force: true });
        fs.mkdirSync(root, { recursive: true });
        for (const deb of fs.readdirSync(downloads).filter((f) => f.endsWith(".deb"))) execFileSync("dpkg-deb", ["-x", path.join(downloads, deb), root]);
    } finally {
        fs.rmSync(downloads, { recursive: true, force: true });
    }
}

/** The folder of a Python program in its module archive (read only: the module cache's). */
export function pythonProgramDir(name: keyof typeof versions.python): string {
    const program: PythonProgram = versions.python[name];
    return path.join(downloadModule(program.module, program.version).dir, program.program);
}

/** A package's files as PyPI's simple index lists them (PEP 691 JSON). */
function simpleIndex(pkg: string): { filename: string; url: string; hashes: { sha256: string } }[] {
    const index = execFileSync("curl", ["-fsSL", "-H", "Accept: application/vnd.pypi.simple.v1+json", `https://pypi.org/simple/${pkg}/`], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    return (JSON.parse(index) as { files: { filename: string; url: string; hashes: { sha256: string } }[] }).files;
}

/** The requirements of a Python environment, unlocked: its program's requirements file in the
 * module archive, or the PyPI source's pinned list. */
function requirementArgs(name: PythonName): string[] {
    if (name in versions.python) {
        const program: PythonProgram = versions.python[name as keyof typeof versions.python];
        return ["-r", path.join(downloadModule(program.module, program.version).dir, program.requirements)];
    }
    return versions.pypiSources[name as keyof typeof versions.pypiSources].requirements;
}

/** Every package `name`'s environment installs, as pip resolves its requirements on this machine
 * (CPython 3.11, manylinux x86_64), each `<name>==<version>` with the sha256 of the file pip takes
 * here and of the version's source archive (where another machine would take that). */
function resolveLock(name: PythonName): Record<string, string[]> {
    const requirements = requirementArgs(name);
    if (requirements.length === 0) return {};
    const work = fs.mkdtempSync(path.join(CACHE_DIR, "python-lock-"));
    try {
        execFileSync("python3", ["-m", "venv", work], { stdio: ["ignore", "ignore", "inherit"] });
        const report = path.join(work, "report.json");
        const pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run", "--ignore-installed", "--report", report];
        execFileSync(path.join(work, "bin", "python"), [...pip, ...requirements], { stdio: ["ignore", "ignore", "inherit"] });
        const { install } = JSON.parse(fs.readFileSync(report, "utf8")) as {
            install: { metadata: { name: string; version: string }; download_info: { archive_info: { hash: string } } }[];
        };
        const entries = install.map(({ metadata, download_info }) => {
            const sdist = simpleIndex(metadata.name)
                .filter((f) => f.filename.endsWith(`-${metadata.version}.tar.gz`))
                .map((f) => f.hashes.sha256);
            const taken = download_info.archive_info.hash.replace(/^sha256=/, "");
            return [`${metadata.name.toLowerCase().replace(/[-_.]+/g, "-")}==${metadata.version}`, [...new Set([taken, ...sdist])]];
        });
        return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** `npm run tools -- --lock`: python-lock.json written again from every environment's requirements. */
export function writePythonLock(): void {
    const names = [...Object.keys(versions.python), ...Object.keys(versions.pypiSources)] as PythonName[];
    const locked = Object.fromEntries(names.map((name) => [name, resolveLock(name)]));
    const file = path.join(REPO_ROOT, "tools", "local", "python-lock.json");
    fs.writeFileSync(file, `${JSON.stringify({ $comment: lock.$comment, ...locked }, null, 4)}\n`);
}

/** A virtual environment with exactly the locked packages of `name`, each checked against its
 * digest (none: the standard library only). */
function makeVenv(name: PythonName): void {
    fs.rmSync(venvDir(name), { recursive: true, force: true });
    execFileSync("python3", ["-m", "venv", venvDir(name)], { stdio: ["ignore", "ignore", "inherit"] });
    const pins = Object.entries(lock[name] as Record<string, string[]>);
    if (pins.length === 0) return;
    const requirements = path.join(venvDir(name), "locked.txt");
    fs.writeFileSync(requirements, pins.map(([pin, hashes]) => [pin, ...hashes.map((h) => `--hash=sha256:${h}`)].join(" ")).join("\n"));
    execFileSync(venvPython(name), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "--no-deps", "-r", requirements], {
        stdio: ["ignore", "ignore", "inherit"],
    });
}

/** The source archive from PyPI's index, its digest checked; the paths named unpacked with the
 * package's entry points declared as an install would (from its pyproject.toml, read by Python's
 * tomllib), beside a virtual environment with the requirements. The top package's `__init__.py`
 * is left empty: vLLM's imports the engine (torch), which no test starts. */
function unpackPypiSource(name: keyof typeof versions.pypiSources, spec: PypiSource): void {
    const file = `${spec.package}-${spec.version}.tar.gz`;
    const url = simpleIndex(spec.package).find((f) => f.filename === file)?.url;
    if (url === undefined) throw new Error(`PyPI lists no ${file}`);
    makeVenv(name);
    const archive = path.join(venvDir(name), file);
    execFileSync("curl", ["-fsSL", "-o", archive, url]);
    const digest = crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex");
    if (digest !== spec.sha256) throw new Error(`${file}: sha256 ${digest}, expected ${spec.sha256}`);
    const source = pypiSourceDir(name);
    fs.mkdirSync(source);
    const top = `${spec.package}-${spec.version}`;
    execFileSync("tar", ["-xzf", archive, "-C", source, "--strip-components=1", "--wildcards", ...spec.unpack.map((p) => `${top}/${p}`)]);
    fs.rmSync(archive);
    fs.writeFileSync(path.join(source, spec.package, "__init__.py"), "");
    const readEntryPoints = "import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))['project'].get('entry-points', {})))";
    const groups = JSON.parse(execFileSync(venvPython(name), ["-c", readEntryPoints, path.join(source, "pyproject.toml")], { encoding: "utf8" })) as Record<
        string,
        Record<string, string>
    >;
    const info = path.join(source, `${top}.dist-info`);
    fs.mkdirSync(info);
    fs.writeFileSync(path.join(info, "METADATA"), `Metadata-Version: 2.1\nName: ${spec.package}\nVersion: ${spec.version}\n`);
    const lines = Object.entries(groups).flatMap(([group, points]) => [`[${group}]`, ...Object.entries(points).map(([k, v]) => `${k} = ${v}`), ""]);
    fs.writeFileSync(path.join(info, "entry_points.txt"), lines.join("\n"));
}

/** The steps that make them, by name and the description their stamp holds. */
export function packagedSteps(): Array<{ name: string; spec: unknown; make: () => void }> {
    return [
        ...Object.entries(versions.debian).map(([name, spec]) => ({ name, spec, make: () => unpackDebian(name as keyof typeof versions.debian, spec) })),
        ...Object.entries(versions.python).map(([name, spec]) => ({
            name,
            spec: { ...spec, lock: lock[name as keyof typeof versions.python] },
            make: () => makeVenv(name as keyof typeof versions.python),
        })),
        ...Object.entries(versions.pypiSources).map(([name, spec]) => ({
            name,
            spec: { ...spec, lock: lock[name as keyof typeof versions.pypiSources] },
            make: () => unpackPypiSource(name as keyof typeof versions.pypiSources, spec),
        })),
    ];
}
