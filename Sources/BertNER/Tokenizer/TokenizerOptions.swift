import Foundation

/// The normalisation settings of a BERT tokenizer, as in `tokenizer_config.json`.
public struct TokenizerOptions: Sendable, Equatable {
    public var lowercase: Bool
    public var tokenizeChineseCharacters: Bool
    /// nil follows `lowercase`, as Hugging Face does.
    public var stripAccents: Bool?
    /// Words longer than this many characters become one [UNK] (HF `max_input_chars_per_word`).
    public var maxCharactersPerWord: Int

    public init(lowercase: Bool = true, tokenizeChineseCharacters: Bool = true, stripAccents: Bool? = nil,
                maxCharactersPerWord: Int = 100) {
        self.lowercase = lowercase
        self.tokenizeChineseCharacters = tokenizeChineseCharacters
        self.stripAccents = stripAccents
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    public var stripsAccents: Bool { stripAccents ?? lowercase }

    /// Reads `tokenizer_config.json`; absent keys keep the bert-base-chinese defaults.
    public init(contentsOf path: String) throws {
        self.init()
        guard let data = FileManager.default.contents(atPath: path) else { throw TokenizerError.fileNotFound(path: path) }
        struct Raw: Decodable {
            var do_lower_case: Bool?
            var tokenize_chinese_chars: Bool?
            var strip_accents: Bool?
        }
        do {
            let raw = try JSONDecoder().decode(Raw.self, from: data)
            lowercase = raw.do_lower_case ?? true
            tokenizeChineseCharacters = raw.tokenize_chinese_chars ?? true
            stripAccents = raw.strip_accents
        } catch {
            throw TokenizerError.invalidTokenizerConfig(
                path: path, reason: "do_lower_case, tokenize_chinese_chars and strip_accents must be true, false or null")
        }
    }
}
