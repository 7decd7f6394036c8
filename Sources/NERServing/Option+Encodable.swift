import ArgumentParser

// The option groups are what `/info` reports, so they encode as they parse: a property wrapper that
// encodes its value lets Swift synthesise each group's `Encodable` from its one list of options,
// under the property names `/info` has always used. (ArgumentParser makes them `Decodable` only.)

extension Option: @retroactive Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}

extension Flag: @retroactive Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}
