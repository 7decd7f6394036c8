import Foundation

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
///
/// Every offset and size is checked against the file before anything is read, so a truncated or
/// corrupt file gives a `ModelLoadingError`, never a crash. Tensors convert to `Float` on request
/// (F32 copied, F16 and BF16 widened): the engine computes in fp32 whatever the storage.
struct SafeTensorsFile: Sendable {
    struct TensorInfo: Sendable, Equatable {
        let dtype: String
        let shape: [Int]
        let byteRange: Range<Int>  // relative to the start of the data section
    }

    let path: String
    let tensors: [String: TensorInfo]
    let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Largest header accepted; real headers are a few hundred KB at most.
    static let maximumHeaderBytes = 100_000_000

    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelLoadingError.fileNotFound(path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ModelLoadingError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: path)
    }

    init(data: Data, path: String = "<memory>") throws {
        self.path = path
        self.data = data
        guard data.count >= 8 else {
            throw ModelLoadingError.truncatedFile(path: path, reason: "\(data.count) bytes, too short for the 8-byte header length")
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw ModelLoadingError.invalidHeader(path: path, reason: "header length \(headerLength) is implausibly large")
        }
        guard Int(headerLength) <= data.count - 8 else {
            throw ModelLoadingError.truncatedFile(path: path, reason: "header needs \(headerLength) bytes, file has \(data.count - 8) after the length")
        }
        dataStart = 8 + Int(headerLength)
        let header = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + dataStart))
        guard let json = try? JSONSerialization.jsonObject(with: header), let entries = json as? [String: Any] else {
            throw ModelLoadingError.invalidHeader(path: path, reason: "header is not a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        let dataBytes = data.count - dataStart
        for (name, value) in entries {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, shape.count == (entry["shape"] as? [Any])?.count
            else {
                throw ModelLoadingError.invalidHeader(path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw ModelLoadingError.invalidHeader(path: path, reason: "entry '\(name)' has negative sizes or reversed offsets")
            }
            guard offsets[1] <= dataBytes else {
                throw ModelLoadingError.truncatedFile(path: path, reason: "tensor '\(name)' ends at byte \(offsets[1]) of a \(dataBytes)-byte data section")
            }
            if let width = Self.elementBytes(dtype) {
                let (elements, overflow) = shape.reduce((1, false)) { acc, dim in
                    let (product, o) = acc.0.multipliedReportingOverflow(by: dim)
                    return (product, acc.1 || o)
                }
                guard !overflow, elements * width == offsets[1] - offsets[0] else {
                    throw ModelLoadingError.invalidHeader(path: path, reason: "tensor '\(name)' has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
                }
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: offsets[0]..<offsets[1])
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    static func elementBytes(_ dtype: String) -> Int? {
        switch dtype {
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "F64", "I64", "U64": return 8
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }

    /// The tensor's elements as `Float`, checking its shape when `shape` is given.
    func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let info = tensors[name] else { throw ModelLoadingError.missingTensor(name: name, path: path) }
        if let expected, expected != info.shape {
            throw ModelLoadingError.wrongShape(name: name, expected: expected, found: info.shape)
        }
        let count = info.shape.reduce(1, *)
        let start = data.startIndex + dataStart + info.byteRange.lowerBound
        let bytes = data[start..<(data.startIndex + dataStart + info.byteRange.upperBound)]
        return try bytes.withUnsafeBytes { raw -> [Float] in
            switch info.dtype {
            case "F32":
                return (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
            case "F16":
                return (0..<count).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self).littleEndian)) }
            case "BF16":
                // bfloat16 is the top half of an fp32 bit pattern.
                return (0..<count).map { Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self).littleEndian) << 16) }
            default:
                throw ModelLoadingError.unsupportedDType(name: name, dtype: info.dtype)
            }
        }
    }

    /// A 2-D tensor as a `Matrix` of the expected `[rows, columns]`.
    func matrix(_ name: String, rows: Int, columns: Int) throws -> Matrix {
        Matrix(rows: rows, columns: columns, storage: try floats(name, shape: [rows, columns]))
    }

    /// A 1-D tensor of the expected length.
    func vector(_ name: String, count: Int) throws -> [Float] {
        try floats(name, shape: [count])
    }
}
