import Foundation
import XCTest

/// Checks a page with Python's `html.parser`, strictly: every element opened is closed in order,
/// void elements are never closed, self-closing syntax appears only on void or SVG elements,
/// every attribute value is double-quoted, text holds no bare `&` or `<`, and every entity is
/// known. It also counts the elements inside each `<svg>`, by the svg's class, so a test can ask
/// how many dots a chart has as a browser would build it.
enum StrictHTMLChecker {
    struct Report: Decodable {
        var problems: [String]
        /// Per svg, in page order: its class and how many of each element it holds.
        var svgs: [SVG]
        struct SVG: Decodable {
            var `class`: String?
            var counts: [String: Int]
        }
        /// The text of the page, entities resolved: each run between two tags trimmed, the runs
        /// joined by single spaces.
        var text: String

        func svg(_ name: String) -> SVG? { svgs.first { $0.class == name } }
    }

    static let script = #"""
    import json, re, sys
    from html.parser import HTMLParser
    from html.entities import name2codepoint
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    QUOTED = re.compile(r'\s+[^\s"\'=<>/]+="[^"]*"')

    class Strict(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=False)
            self.stack, self.problems, self.svgs, self.text, self.run = [], [], [], [], ""

        def flush(self):
            if self.run.strip():
                self.text.append(self.run.strip())
            self.run = ""

        def problem(self, what):
            line, column = self.getpos()
            self.problems.append("line %d column %d: %s" % (line, column + 1, what))

        def attributes(self, tag):
            raw = self.get_starttag_text()
            inner = re.sub(r'^<[^\s/>]+', '', raw)
            inner = re.sub(r'/?>$', '', inner)
            if QUOTED.sub('', inner).strip():
                self.problem("<%s> has an attribute that is not name=\"value\": %s" % (tag, raw[:120]))

        def in_svg(self):
            return "svg" in self.stack

        def count(self, tag):
            if self.in_svg():
                counts = self.svgs[-1]["counts"]
                counts[tag] = counts.get(tag, 0) + 1

        def handle_starttag(self, tag, attrs):
            self.flush()
            self.attributes(tag)
            self.count(tag)
            if tag == "svg":
                self.svgs.append({"class": dict(attrs).get("class"), "counts": {}})
            if tag not in VOID:
                self.stack.append(tag)

        def handle_startendtag(self, tag, attrs):
            self.flush()
            self.attributes(tag)
            if tag not in VOID and not self.in_svg():
                self.problem("<%s/> is not a void element, so a browser leaves it open" % tag)
            self.count(tag)

        def handle_endtag(self, tag):
            self.flush()
            if tag in VOID:
                self.problem("</%s> closes a void element" % tag)
            elif not self.stack:
                self.problem("</%s> with nothing open" % tag)
            elif self.stack[-1] != tag:
                self.problem("</%s> while <%s> is open" % (tag, self.stack[-1]))
                if tag in self.stack:
                    while self.stack.pop() != tag:
                        pass
            else:
                self.stack.pop()

        def handle_data(self, data):
            if self.stack and self.stack[-1] in ("style", "script"):
                return
            if "&" in data or "<" in data:
                self.problem("text with a bare & or <: %r" % data[:60])
            self.run += data

        def handle_entityref(self, name):
            if name not in name2codepoint:
                self.problem("unknown entity &%s;" % name)
            self.run += chr(name2codepoint.get(name, 63))

        def handle_charref(self, name):
            self.run += chr(int(name[1:], 16) if name[:1] in "xX" else int(name))

    page = open(sys.argv[1], encoding="utf-8").read()
    parser = Strict()
    if not page.lower().startswith("<!doctype html>"):
        parser.problem("no <!doctype html> first")
    parser.feed(page)
    parser.close()
    parser.flush()
    for tag in parser.stack:
        parser.problems.append("<%s> is never closed" % tag)
    print(json.dumps({"problems": parser.problems, "svgs": parser.svgs, "text": " ".join(parser.text)}))
    """#

    /// The report on the page at `url`; skips the test when python3 is not installed.
    static func check(_ url: URL) throws -> Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, url.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw XCTSkip("python3 could not be started (\(error)): the HTML check needs it") }
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw XCTSkip("python3 is not installed: the HTML check needs it") }
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "StrictHTMLChecker", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: String(decoding: errors, as: UTF8.self)])
        }
        return try JSONDecoder().decode(Report.self, from: output)
    }
}
