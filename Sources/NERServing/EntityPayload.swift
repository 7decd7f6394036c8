import BertNER

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
