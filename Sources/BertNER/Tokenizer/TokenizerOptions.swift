import Foundation

/// The normalisation settings of a BERT tokenizer, as in `tokenizer_config.json`.
struct TokenizerOptions: Sendable, Equatable {
    var lowercase: Bool
    var tokenizeChineseCharacters: Bool
    /// nil follows `lowercase`, as Hugging Face does.
    var stripAccents: Bool?
    /// Words longer than this many characters become one [UNK] (HF `max_input_chars_per_word`).
    var maxCharactersPerWord: Int

    init(lowercase: Bool = true, tokenizeChineseCharacters: Bool = true, stripAccents: Bool? = nil,
                maxCharactersPerWord: Int = 100) {
        self.lowercase = lowercase
        self.tokenizeChineseCharacters = tokenizeChineseCharacters
        self.stripAccents = stripAccents
        self.maxCharactersPerWord = maxCharactersPerWord
    }

    var stripsAccents: Bool { stripAccents ?? lowercase }

    /// Reads `tokenizer_config.json`; absent keys keep the bert-base-chinese defaults.
    init(contentsOf path: String) throws {
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
