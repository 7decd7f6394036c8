import COpenBLAS
import Foundation

/// Which OpenBLAS kernels this process runs, and whether the environment keeps it from better ones.
///
/// OpenBLAS picks its kernels (Haswell = AVX2; SkylakeX, Cooperlake = AVX-512) from cpuid when the
/// library loads — unless `OPENBLAS_CORETYPE` names a core, and `OPENBLAS_L2_SIZE` overrides the cache
/// size its blocking assumes. Both are read before any Swift code runs, so the engine cannot undo
/// them; it reports them (`ner info`, `ner bench`, the `ner serve` log). They matter: pinned to
/// Haswell on an AVX-512 CPU, fp32 runs at half width (Docs/BENCHMARKS.md, OpenBLAS kernel choice).
package struct BLASKernels: Sendable, Equatable {
    /// OpenBLAS' name for the kernels in use ("Haswell", "SkylakeX", …).
    package let core: String
    /// OpenBLAS' build description (version, DYNAMIC_ARCH, threading).
    let build: String
    /// `OPENBLAS_CORETYPE`, when set.
    let forcedCore: String?
    /// `OPENBLAS_L2_SIZE`, when set.
    let forcedL2Size: String?
    /// Whether the CPU offers AVX-512F (from /proc/cpuinfo; false where that cannot be read).
    let cpuHasAVX512: Bool

    init(core: String, build: String, forcedCore: String?, forcedL2Size: String?, cpuHasAVX512: Bool) {
        self.core = core
        self.build = build
        self.forcedCore = forcedCore
        self.forcedL2Size = forcedL2Size
        self.cpuHasAVX512 = cpuHasAVX512
    }

    /// The kernels of this process.
    package static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> BLASKernels {
        let nonEmpty = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return BLASKernels(core: openblas_get_corename().map { String(cString: $0) } ?? "unknown",
                           build: openblas_get_config().map { String(cString: $0) } ?? "unknown",
                           forcedCore: nonEmpty("OPENBLAS_CORETYPE"), forcedL2Size: nonEmpty("OPENBLAS_L2_SIZE"),
                           cpuHasAVX512: cpuFlags().contains("avx512f"))
    }

    /// OpenBLAS cores whose sgemm kernels use AVX-512.
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    /// One line for `ner info` and `ner bench`.
    package var summary: String {
        var forced: [String] = []
        if let forcedCore { forced.append("OPENBLAS_CORETYPE=\(forcedCore)") }
        if let forcedL2Size { forced.append("OPENBLAS_L2_SIZE=\(forcedL2Size)") }
        return "OpenBLAS core \(core)" + (forced.isEmpty ? " (chosen by cpuid)" : " (environment: \(forced.joined(separator: ", ")))")
    }

    /// A sentence for the log when the environment keeps OpenBLAS from kernels this CPU could run;
    /// nil when OpenBLAS chose for itself or the forced core is as wide as the CPU.
    package var warning: String? {
        var problems: [String] = []
        if let forcedCore, cpuHasAVX512, !Self.avx512Cores.contains(core.lowercased()) {
            problems.append("OPENBLAS_CORETYPE=\(forcedCore) makes OpenBLAS run its \(core) kernels, "
                            + "but this CPU has AVX-512")
        }
        if let forcedL2Size {
            problems.append("OPENBLAS_L2_SIZE=\(forcedL2Size) overrides the cache size OpenBLAS blocks its products for")
        }
        guard !problems.isEmpty else { return nil }
        return problems.joined(separator: "; ") + " — unset them unless you mean it: matrix products may be "
            + "up to 1.7× slower (Docs/BENCHMARKS.md, \"OpenBLAS kernels\")"
    }

    /// The CPU feature flags of the first processor in /proc/cpuinfo (empty where there is none).
    static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let cpuinfo,
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
