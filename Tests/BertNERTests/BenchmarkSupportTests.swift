import Testing
@_spi(Benchmarks) @testable import BertNER

/// What `ner bench` reports rests on these: the FLOP count behind GFLOP/s (the timing summary is
/// `ner`'s own: TimingTests).
@Suite("Benchmark support")
struct BenchmarkSupportTests {
    static let base = BertConfig(vocabSize: 21128, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12,
                                 intermediateSize: 3072, labels: ["O"], usesCRF: false)

    @Test("BERT-base over 128 tokens is 22.35 GFLOP")
    func baseFLOPs() {
        // Per layer: 2·128·(768·2304 + 768·768 + 768·3072 + 3072·768) dense + 4·128²·768 attention.
        #expect(Self.base.encoderFLOPs(tokens: 128) == 22_347_251_712)
        #expect(Self.base.layerDenseShapes.map(\.inputs) == [768, 768, 768, 3072])
        #expect(Self.base.layerDenseShapes.map(\.outputs) == [2304, 768, 3072, 768])
    }
}

/// The OpenBLAS kernel report behind `ner info`, `ner bench` and the `ner serve` log.
@Suite("BLAS kernels")
struct BLASKernelsTests {
    static func kernels(core: String, forcedCore: String? = nil, l2: String? = nil, avx512: Bool) -> BLASKernels {
        BLASKernels(core: core, build: "OpenBLAS 0.3.21", forcedCore: forcedCore, forcedL2Size: l2, cpuHasAVX512: avx512)
    }

    @Test("a forced AVX2 core on an AVX-512 CPU, or a forced L2 size, is warned about; cpuid's own choice is not")
    func warning() {
        let forced = Self.kernels(core: "Haswell", forcedCore: "Haswell", l2: "512", avx512: true)
        #expect(forced.warning?.hasPrefix("OPENBLAS_CORETYPE=Haswell makes OpenBLAS run its Haswell kernels, but this CPU has AVX-512; OPENBLAS_L2_SIZE=512 overrides") == true)
        #expect(forced.summary == "OpenBLAS core Haswell (environment: OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512)")
        #expect(Self.kernels(core: "Haswell", avx512: false).warning == nil)
        #expect(Self.kernels(core: "Haswell", forcedCore: "haswell", avx512: false).warning == nil)
        #expect(Self.kernels(core: "SkylakeX", forcedCore: "SkylakeX", avx512: true).warning == nil)
        #expect(Self.kernels(core: "Cooperlake", avx512: true).summary == "OpenBLAS core Cooperlake (chosen by cpuid)")
    }

    @Test("CPU flags come from the first flags line of /proc/cpuinfo")
    func cpuFlags() {
        let cpuinfo = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLASKernels.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx2", "avx512f", "avx512bw"])
        #expect(BLASKernels.cpuFlags(cpuinfo: "processor\t: 0\n").isEmpty)
        #expect(BLASKernels.cpuFlags(cpuinfo: nil).isEmpty)
    }

    @Test("the environment variables are read, empty ones ignored, and the core is OpenBLAS' own")
    func current() {
        let kernels = BLASKernels.current(environment: ["OPENBLAS_CORETYPE": "", "OPENBLAS_L2_SIZE": "1024"])
        #expect(kernels.forcedCore == nil && kernels.forcedL2Size == "1024")
        #expect(!kernels.core.isEmpty && kernels.core != "unknown")
        #expect(kernels.build.contains("OpenBLAS"))
    }
}
