import BertNER

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

/// One entity as the API returns it: the engine's `Entity` plus a display colour per type.
public struct EntityPayload: Codable, Sendable, Equatable {
    public var word: String
    public var start: Int
    public var end: Int
    public var type: String
    public var score: Double
    /// `model`, or `dictionary` for an entity a dictionary entry forced.
    public var source: String
    public var color: String

    package init(_ entity: Entity) {
        word = entity.word
        start = entity.start
        end = entity.end
        type = entity.type
        // Four decimals are all a client can use; more would only be noise in every response.
        score = (entity.score * 10_000).rounded() / 10_000
        source = entity.source.rawValue
        color = EntityColor.name(for: entity.type)
    }
}

/// The colours of the seed's UI: PER red, LOC cyan, ORG yellow; other types a fourth colour.
public enum EntityColor {
    public static func name(for type: String) -> String {
        switch type {
        case "PER": "red"
        case "LOC": "cyan"
        case "ORG": "yellow"
        default: "magenta"
        }
    }
}

public struct RecognizeResponse: Codable, Sendable, Equatable {
    public var text: String
    public var entities: [EntityPayload]
}

public struct BatchRecognizeResponse: Codable, Sendable, Equatable {
    public var results: [RecognizeResponse]
}
