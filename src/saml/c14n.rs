//! Exclusive XML canonicalisation 1.0 without comments (the only one we accept in a signature),
//! over a parsed subtree, optionally leaving out one element (the enveloped signature).
//!
//! Exclusive C14N renders at each element only the namespace bindings it visibly uses (its own
//! prefix and its attributes' prefixes) plus those named in an `InclusiveNamespaces` list, and
//! only when the nearest rendered ancestor did not already render the same binding.

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId, NodeType};

use super::xml::{attribute_prefix, element_prefix};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Canonicalises `apex` and its descendants, leaving out the subtree rooted at `exclude`.
/// `inclusive_prefixes` is the `PrefixList` (with `#default` for the default namespace).
pub fn exclusive(doc: &Document<'_>, apex: Node<'_, '_>, exclude: Option<NodeId>, inclusive_prefixes: &[String]) -> String {
    let mut out = String::with_capacity(4096);
    let mut rendered = Rendered::default();
    // Depth-first without recursion: a hostile document cannot exhaust the stack.
    let mut stack = vec![Step::Open(apex)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Open(node) => {
                if Some(node.id()) == exclude {
                    continue;
                }
                match node.node_type() {
                    NodeType::Element => {
                        open_element(doc, node, inclusive_prefixes, &mut rendered, &mut out);
                        stack.push(Step::Close(node));
                        let kids: Vec<_> = node.children().collect();
                        stack.extend(kids.into_iter().rev().map(Step::Open));
                    }
                    NodeType::Text => escape_text(node.text().unwrap_or(""), &mut out),
                    NodeType::PI => {
                        if let Some(pi) = node.pi() {
                            out.push_str("<?");
                            out.push_str(pi.target);
                            if let Some(v) = pi.value.filter(|v| !v.is_empty()) {
                                out.push(' ');
                                out.push_str(v);
                            }
                            out.push_str("?>");
                        }
                    }
                    NodeType::Comment | NodeType::Root => {}
                }
            }
            Step::Close(node) => {
                out.push_str("</");
                push_qname(element_prefix(doc, node), node.tag_name().name(), &mut out);
                out.push('>');
                rendered.close();
            }
        }
    }
    out
}

/// The namespace bindings rendered by the open output elements: for each prefix the stack of
/// URIs rendered for it (innermost last), and for each open element the prefixes it rendered.
/// Looking a prefix up is then one map access, not a walk over every ancestor (which made a
/// deeply nested document quadratic to canonicalise, before its signature is checked).
#[derive(Default)]
struct Rendered {
    by_prefix: HashMap<String, Vec<String>>,
    levels: Vec<Vec<String>>,
}

impl Rendered {
    fn current(&self, prefix: &str) -> Option<&str> {
        self.by_prefix.get(prefix).and_then(|s| s.last()).map(String::as_str)
    }

    fn open(&mut self, bindings: &[(String, String)]) {
        for (p, uri) in bindings {
            self.by_prefix.entry(p.clone()).or_default().push(uri.clone());
        }
        self.levels.push(bindings.iter().map(|(p, _)| p.clone()).collect());
    }

    fn close(&mut self) {
        for p in self.levels.pop().unwrap_or_default() {
            if let Some(stack) = self.by_prefix.get_mut(&p) {
                stack.pop();
            }
        }
    }
}

enum Step<'a, 'i> {
    Open(Node<'a, 'i>),
    Close(Node<'a, 'i>),
}

fn open_element(doc: &Document<'_>, node: Node<'_, '_>, inclusive: &[String], rendered: &mut Rendered, out: &mut String) {
    let prefix = element_prefix(doc, node);
    // (prefix, uri) pairs this element needs in scope.
    let mut wanted: Vec<(String, String)> = vec![(prefix.to_owned(), node.tag_name().namespace().unwrap_or("").to_owned())];
    for a in node.attributes() {
        let p = attribute_prefix(doc, &a);
        if !p.is_empty() && p != "xml" {
            wanted.push((p.to_owned(), a.namespace().unwrap_or("").to_owned()));
        }
    }
    for p in inclusive {
        let p = if p == "#default" { "" } else { p.as_str() };
        if p == "xml" {
            continue;
        }
        let uri = if p.is_empty() { node.lookup_namespace_uri(None) } else { node.lookup_namespace_uri(Some(p)) };
        match uri {
            Some(u) => wanted.push((p.to_owned(), u.to_owned())),
            None if p.is_empty() => wanted.push((String::new(), String::new())),
            None => {}
        }
    }
    wanted.sort();
    wanted.dedup_by(|a, b| a.0 == b.0);

    let mut here = Vec::new();
    for (p, uri) in wanted {
        let current = rendered.current(&p);
        // An unrendered default namespace is the empty one.
        let current = if p.is_empty() { Some(current.unwrap_or("")) } else { current };
        if current != Some(uri.as_str()) {
            here.push((p, uri));
        }
    }

    out.push('<');
    push_qname(prefix, node.tag_name().name(), out);
    for (p, uri) in &here {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        escape_attr(uri, out);
        out.push('"');
    }
    let mut attrs: Vec<_> = node.attributes().collect();
    attrs.sort_by(|a, b| (a.namespace().unwrap_or(""), a.name()).cmp(&(b.namespace().unwrap_or(""), b.name())));
    for a in attrs {
        out.push(' ');
        let p = if a.namespace() == Some(XML_NS) { "xml" } else { attribute_prefix(doc, &a) };
        push_qname(p, a.name(), out);
        out.push_str("=\"");
        escape_attr(a.value(), out);
        out.push('"');
    }
    out.push('>');
    rendered.open(&here);
}

fn push_qname(prefix: &str, local: &str, out: &mut String) {
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(local);
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::xml::parse;
    use super::*;

    fn c14n_of(xml: &str, path: &[&str], inclusive: &[&str]) -> String {
        let doc = parse(xml).unwrap();
        let mut node = doc.root_element();
        for name in path {
            node = node.children().find(|c| c.is_element() && c.tag_name().name() == *name).unwrap();
        }
        let inc: Vec<String> = inclusive.iter().map(|s| s.to_string()).collect();
        exclusive(&doc, node, None, &inc)
    }

    #[test]
    fn only_visibly_used_namespaces_are_rendered() {
        // The exclusive C14N recommendation's own example (section 2.2): the apex uses n1 only.
        let xml = r#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>"#;
        assert_eq!(
            c14n_of(xml, &["elem2"], &[]),
            r#"<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>"#
        );
        // With n3 in the inclusive list it moves to the apex and is not repeated below.
        assert_eq!(
            c14n_of(xml, &["elem2"], &["n3"]),
            r#"<n1:elem2 xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en"><n3:stuff></n3:stuff></n1:elem2>"#
        );
    }

    #[test]
    fn attributes_sorted_escaped_and_default_namespace_undeclared() {
        let xml = "<r xmlns=\"urn:d\" xmlns:b=\"urn:b\" xmlns:a=\"urn:a\"><e z=\"1\" b:y=\"2\" a:x=\"3\" q=\"&quot;&lt;&#9;&#10;\">a&amp;b&gt;&#13;<f xmlns=\"\"/><!-- gone --></e></r>";
        assert_eq!(
            c14n_of(xml, &["e"], &[]),
            "<e xmlns=\"urn:d\" xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" q=\"&quot;&lt;&#x9;&#xA;\" z=\"1\" a:x=\"3\" b:y=\"2\">a&amp;b&gt;&#xD;<f xmlns=\"\"></f></e>"
        );
    }

    #[test]
    fn excluded_subtree_is_left_out() {
        let xml = r#"<a ID="x"><s:Signature xmlns:s="urn:s"><s:v/></s:Signature><b>t</b></a>"#;
        let doc = parse(xml).unwrap();
        let root = doc.root_element();
        let sig = root.first_element_child().unwrap();
        assert_eq!(exclusive(&doc, root, Some(sig.id()), &[]), r#"<a ID="x"><b>t</b></a>"#);
    }

    #[test]
    fn cdata_line_ends_attribute_whitespace_and_processing_instructions() {
        // CDATA becomes escaped text; CRLF in text is one LF; literal tabs and newlines in an
        // attribute value are normalised to spaces by the parser while character references
        // survive (and are written back as references); a PI keeps its place and data.
        let xml = "<r><e a=\"x\ty\r\nz&#9;\"><![CDATA[a<b&c]]>\r\nd<?pi  some data?></e></r>";
        assert_eq!(c14n_of(xml, &["e"], &[]), "<e a=\"x y z&#x9;\">a&lt;b&amp;c\nd<?pi some data?></e>");
        // xml: attributes need no declaration; #default in the inclusive list renders the
        // default namespace even where it is not used.
        let xml = r#"<r xmlns="urn:d"><p:e xmlns:p="urn:p" xml:lang="en"/></r>"#;
        assert_eq!(c14n_of(xml, &["e"], &[]), r#"<p:e xmlns:p="urn:p" xml:lang="en"></p:e>"#);
        assert_eq!(c14n_of(xml, &["e"], &["#default"]), r#"<p:e xmlns="urn:d" xmlns:p="urn:p" xml:lang="en"></p:e>"#);
    }
}
