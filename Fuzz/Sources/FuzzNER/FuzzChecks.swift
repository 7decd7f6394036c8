@_spi(Fuzzing) import BertNER
import ArgumentParser
import Foundation
import NERServer
import NERStream
import Hummingbird

/// One fuzz input exercises, by its first byte: (0) the tokenizer and sentence splitter on the
/// rest as lossy UTF-8 text, checking offsets; (1) `/ner` and (2) `/ner/batch` body decoding, which
/// must either succeed within the limits or throw an `APIError`; (3) a `ner stream` message value,
/// which must decode to a non-empty text within the limit or name a dead-letter reason — never
/// crash, hang or trap.
/// The vocabulary is the default model's (`NER_FUZZ_VOCAB` overrides the bundle folder).
let tokenizer: BertTokenizer = {
    let bundle = ProcessInfo.processInfo.environment["NER_FUZZ_BUNDLE"] ?? "Weights/default"
    do { return try BertTokenizer(bundleDirectory: bundle) } catch {
        fatalError("cannot load the tokenizer from \(bundle): \(error) (run from the repository root)")
    }
}()

let decoding: RequestDecoding = {
    do {
        return RequestDecoding(configuration: try HTTPOptions.parse(
            ["--max-text-characters", "512", "--max-batch-items", "8", "--max-dictionary-entries", "16"]))
    } catch {
        fatalError("the fuzzer's limits: \(HTTPOptions.message(for: error))")
    }
}()

func checkTokenizer(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    let scalars = Array(text.unicodeScalars)
    let pieces = tokenizer.encode(text)
    var previousStart = 0
    for piece in pieces {
        precondition(0 <= piece.start && piece.start <= piece.end && piece.end <= scalars.count, "piece \(piece) outside the text")
        precondition(piece.start >= previousStart, "piece starts go backwards at \(piece)")
        previousStart = piece.start
    }
    let sentences = SentenceSplitter().sentences(of: pieces, in: scalars)
    var next = 0
    for sentence in sentences {
        precondition(sentence.lowerBound == next && !sentence.isEmpty, "sentences must tile the pieces")
        next = sentence.upperBound
    }
    precondition(next == pieces.count, "sentences must cover all pieces")
}

func checkDecoding(_ bytes: UnsafeRawBufferPointer, batch: Bool) {
    let buffer = ByteBuffer(bytes: bytes)
    do {
        if batch {
            let request = try decoding.batchRequest(from: buffer)
            precondition(request.texts.count <= 8 && request.texts.allSatisfy { $0.unicodeScalars.count <= 512 })
            checkOptions(request.options)
        } else {
            let request = try decoding.recognizeRequest(from: buffer)
            precondition(request.text.unicodeScalars.count <= 512)
            checkOptions(request.options)
        }
    } catch {
        precondition((400..<500).contains(error.status.code), "unexpected status \(error.status)")
        precondition(!error.message.isEmpty)
    }
}

/// A decoded dictionary is within the bounds the server promises.
func checkOptions(_ options: RecognizeOptions) {
    guard let entries = options.dictionary else { return }
    precondition(entries.count <= 16)
    precondition(entries.allSatisfy { $0.word.unicodeScalars.count <= RequestDecoding.maxDictionaryWordCharacters })
}

/// A Kafka message value: a text within the limit, or a dead letter with a message.
func checkMessage(_ bytes: UnsafeRawBufferPointer) {
    switch MessageDecoding.decode(Array(bytes), fallbackID: "in/0/0", maxTextCharacters: 512) {
    case .success(let input):
        precondition(!input.text.isEmpty && input.text.unicodeScalars.count <= 512)
    case .failure(let reason):
        precondition(!reason.message.isEmpty)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 4 {
    case 0: checkTokenizer(rest)
    case 1: checkDecoding(rest, batch: false)
    case 2: checkDecoding(rest, batch: true)
    default: checkMessage(rest)
    }
    return 0
}

