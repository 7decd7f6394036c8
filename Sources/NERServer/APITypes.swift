import BertNER
import NERServing

/// `POST /ner` body.
public struct RecognizeRequest: Sendable, Equatable {
    public var text: String
    public var options: RecognizeOptions = RecognizeOptions()
}

/// `POST /ner/batch` body.
public struct BatchRecognizeRequest: Sendable, Equatable {
    public var texts: [String]
    public var options: RecognizeOptions = RecognizeOptions()
}

/// The optional fields both routes take: dictionary entries merged over the server's dictionary
/// (the request's win a conflict), and the entity types to return.
public struct RecognizeOptions: Sendable, Equatable {
    public var dictionary: [DictionaryEntryPayload]?
    public var types: [String]?

    public init(dictionary: [DictionaryEntryPayload]? = nil, types: [String]? = nil) {
        self.dictionary = dictionary
        self.types = types
    }
}

/// One request dictionary entry: `{"word": "阿里巴巴", "type": "ORG"}`; type `O` blocks the word.
public struct DictionaryEntryPayload: Sendable, Equatable {
    public var word: String
    public var type: String

    public init(word: String, type: String) {
        self.word = word
        self.type = type
    }
}

public struct RecognizeResponse: Codable, Sendable, Equatable {
    public var text: String
    public var entities: [EntityPayload]
}

public struct BatchRecognizeResponse: Codable, Sendable, Equatable {
    public var results: [RecognizeResponse]
}
