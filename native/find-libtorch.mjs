// Finds libtorch for the native build, in this order: $LIBTORCH (a libtorch download, CUDA builds
// included); an installed Python torch ($TORCH_PYTHON, python3, /usr/bin/python3); Debian's system
// paths (apt-get install libtorch-dev). Prints JSON, or exits 1 with one line saying how to get one.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const HINT =
  "no libtorch found: install Debian's (apt-get install libtorch-dev libopenblas0-pthread), " +
  "or set LIBTORCH to an unpacked libtorch download, or install PyTorch for python3";

/** A libtorch layout: <root>/include (+ include/torch/csrc/api/include) and <lib>/libtorch.so. */
function layout(source, includeRoot, libDir, cxx11Abi) {
  const apiInclude = path.join(includeRoot, "torch", "csrc", "api", "include");
  if (
    !existsSync(path.join(includeRoot, "ATen", "ATen.h")) ||
    !existsSync(path.join(libDir, "libtorch.so"))
  ) {
    return undefined;
  }
  const libs = ["torch", "torch_cpu", "c10"];
  const cudaLibs = ["torch_cuda", "c10_cuda"].filter((l) => existsSync(path.join(libDir, `lib${l}.so`)));
  return { source, include: [includeRoot, apiInclude], libDir, libs, cudaLibs, cxx11Abi };
}

function fromEnv() {
  const root = process.env.LIBTORCH;
  if (!root) return undefined;
  const found = layout(
    "LIBTORCH",
    path.join(root, "include"),
    path.join(root, "lib"),
    abiOfLibDir(path.join(root, "lib")),
  );
  if (!found) {
    console.error(`LIBTORCH=${root} does not look like libtorch (no include/ATen/ATen.h or lib/libtorch.so)`);
    process.exit(1);
  }
  return found;
}

/** pre-cxx11-ABI libtorch builds name their downloads so; their libc10 has no __cxx11 symbols. */
function abiOfLibDir(libDir) {
  try {
    const out = execFileSync("nm", ["-D", "--defined-only", path.join(libDir, "libc10.so")], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    return out.includes("__cxx11") ? 1 : 0;
  } catch {
    return 1;
  }
}

function fromPython() {
  const candidates = [process.env.TORCH_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
  for (const py of candidates) {
    try {
      const out = execFileSync(
        py,
        [
          "-c",
          "import torch, os; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))",
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
      )
        .trim()
        .split("\n");
      const [dir, abi] = out;
      const found = layout(
        `python torch (${py})`,
        path.join(dir, "include"),
        path.join(dir, "lib"),
        Number(abi),
      );
      if (found) return found;
    } catch {
      // not this python
    }
  }
  return undefined;
}

function fromSystem() {
  const libDirs = [
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
  ];
  for (const libDir of libDirs) {
    for (const includeRoot of ["/usr/include", "/usr/local/include"]) {
      const found = layout("system (Debian libtorch-dev)", includeRoot, libDir, 1);
      if (found) return found;
    }
  }
  return undefined;
}

export function findLibtorch() {
  const found = fromEnv() ?? fromPython() ?? fromSystem();
  return found && { ...found, distributed: distributedBuild(found) };
}

/** Whether the libtorch's shared library defines a symbol whose mangled name contains `part`. */
function libHasSymbol(libDir, lib, part) {
  try {
    const out = execFileSync("nm", ["-D", "--defined-only", path.join(libDir, `lib${lib}.so`)], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    return out.includes(part);
  } catch {
    return false;
  }
}

/** Header directories of a CUDA toolkit, or of the pip packages a CUDA Python torch came with. */
function cudaIncludeDirs(found) {
  const dirs = [process.env.CUDA_HOME, process.env.CUDA_PATH, "/usr/local/cuda"]
    .filter(Boolean)
    .map((d) => path.join(d, "include"));
  // site-packages/torch/include → site-packages/nvidia/<package>/include
  const nvidia = path.join(found.include[0], "..", "..", "nvidia");
  if (existsSync(nvidia)) {
    for (const pkg of readdirSync(nvidia)) dirs.push(path.join(nvidia, pkg, "include"));
  }
  dirs.push("/usr/include");
  return dirs.filter((d) => existsSync(d));
}

/**
 * c10d (PyTorch's distributed engine) in this build: the compile-time switches of
 * native/src/distributed.cc and the header directories they need. Gloo needs its own headers
 * (Debian: libgloo-dev; some libtorch downloads ship them); NCCL a CUDA libtorch and nccl.h.
 */
function distributedBuild(found) {
  const root = found.include[0];
  const c10d = path.join(root, "torch", "csrc", "distributed", "c10d");
  const none = { defines: [], include: [], backends: [] };
  if (!existsSync(path.join(c10d, "TCPStore.hpp"))) return none;
  const out = { defines: ["ECG_WITH_C10D"], include: [], backends: [] };
  const glooRoot = [root, "/usr/include", "/usr/local/include"].find((d) =>
    existsSync(path.join(d, "gloo", "config.h")),
  );
  if (glooRoot && libHasSymbol(found.libDir, "torch_cpu", "ProcessGroupGloo")) {
    out.defines.push("USE_C10D_GLOO", "ECG_WITH_GLOO");
    if (glooRoot !== "/usr/include") out.include.push(glooRoot);
    out.backends.push("gloo");
  }
  if (found.cudaLibs.includes("torch_cuda") && libHasSymbol(found.libDir, "torch_cuda", "ProcessGroupNCCL")) {
    const dirs = cudaIncludeDirs(found);
    const nccl = dirs.find((d) => existsSync(path.join(d, "nccl.h")));
    const runtime = dirs.find((d) => existsSync(path.join(d, "cuda_runtime_api.h")));
    if (nccl && runtime) {
      out.defines.push("USE_C10D_NCCL", "ECG_WITH_NCCL");
      for (const d of [runtime, nccl])
        if (d !== "/usr/include" && !out.include.includes(d)) out.include.push(d);
      out.backends.push("nccl");
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findLibtorch();
  if (!found) {
    console.error(HINT);
    process.exit(1);
  }
  const what = process.argv[2];
  if (what === "include") console.log([...found.include, ...found.distributed.include].join(" "));
  else if (what === "defines") console.log(found.distributed.defines.join(" "));
  else if (what === "libdir") console.log(found.libDir);
  else if (what === "libs") console.log([...found.libs, ...found.cudaLibs].map((l) => `-l${l}`).join(" "));
  else if (what === "abi") console.log(found.cxx11Abi);
  else console.log(JSON.stringify(found, null, 2));
}

export { HINT };
