import ArgumentParser

/// The help text of every command's `--dictionary`.
enum DictionaryOption {
    static let help = ArgumentHelp(
        "Dictionary file: one 'word<TAB>TYPE' a line forces the word to be an entity of TYPE, 'word<TAB>O' blocks it; '#' comments.",
        valueName: "file")
}
