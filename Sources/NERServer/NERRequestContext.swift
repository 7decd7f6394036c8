import Hummingbird
import NIOCore

/// Hummingbird's request context plus the request's channel, which identifies the client
/// connection (see `ConnectionRegistry`).
public struct NERRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
