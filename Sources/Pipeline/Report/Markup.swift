/// HTML and SVG built from parts, so every attribute value is quoted and every piece of text
/// escaped in one place: a page assembled by string interpolation wrote `fill-opacity=.5/>`,
/// which a browser reads as an unquoted value `.5/` and an unclosed element.
enum Markup {
    /// Text between tags.
    static func text(_ raw: String) -> String {
        var escaped = ""
        for character in raw {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A value inside double quotes.
    static func attribute(_ raw: String) -> String {
        text(raw).replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// ` name="value"` for each pair, in order.
    static func attributes(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { " \($0.key)=\"\(attribute($0.value))\"" }.joined()
    }

    /// `<name ...>content</name>`; `content` is markup already (use `text` for plain text).
    static func element(_ name: String, _ pairs: KeyValuePairs<String, String> = [:], _ content: String = "") -> String {
        "<\(name)\(attributes(pairs))>\(content)</\(name)>"
    }

    /// `<name>content</name>`.
    static func element(_ name: String, _ content: String) -> String {
        element(name, [:], content)
    }

    /// An element with plain text inside.
    static func element(_ name: String, _ pairs: KeyValuePairs<String, String> = [:], text content: String) -> String {
        element(name, pairs, text(content))
    }

    /// `<name .../>`: a void HTML element (img, br, meta) or an SVG element without children.
    static func empty(_ name: String, _ pairs: KeyValuePairs<String, String> = [:]) -> String {
        "<\(name)\(attributes(pairs))/>"
    }
}
