//! Parsing SAML messages: no DTD (so no entities beyond XML's five and no external fetches),
//! bounded size, and helpers that look elements up by namespace and local name only, so a
//! prefix chosen by the sender never changes what we read.

use roxmltree::{Document, Node, ParsingOptions};

pub const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Largest message we parse: real responses are a few kilobytes.
pub const MAX_XML_BYTES: usize = 512 * 1024;
const MAX_NODES: u32 = 20_000;
/// Namespace declarations allowed in one message. roxmltree copies every in-scope binding into
/// each element that declares one more, so many declarations on many elements cost memory and
/// time quadratic in their number (a 500 kB post took minutes and gigabytes); real responses
/// have a handful.
const MAX_NAMESPACE_DECLARATIONS: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlError {
    #[error("the XML document is too large")]
    TooLarge,
    #[error("the XML document declares a DTD, which is refused")]
    Dtd,
    #[error("the XML document declares too many namespaces")]
    TooManyNamespaces,
    #[error("the XML document is not well-formed")]
    Malformed,
}

/// Parses `text`, refusing any DOCTYPE outright.
pub fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    if text.len() > MAX_XML_BYTES {
        return Err(XmlError::TooLarge);
    }
    // roxmltree refuses DTDs unless told otherwise; this is that refusal made explicit, and a
    // second guard in case a future default changes.
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(XmlError::Dtd);
    }
    // Counting the text "xmlns" over-counts (it may appear in text), which only errs on the
    // side of refusing.
    if text.matches("xmlns").count() > MAX_NAMESPACE_DECLARATIONS {
        return Err(XmlError::TooManyNamespaces);
    }
    let opts = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => XmlError::Dtd,
        _ => XmlError::Malformed,
    })
}

pub fn is(node: Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// Element children named (ns, local).
pub fn children<'a, 'i>(node: Node<'a, 'i>, ns: &'static str, local: &'static str) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
    node.children().filter(move |c| is(*c, ns, local))
}

/// The only element child named (ns, local): `None` if absent, an error if repeated.
pub fn only_child<'a, 'i>(node: Node<'a, 'i>, ns: &'static str, local: &'static str) -> Result<Option<Node<'a, 'i>>, Repeated> {
    let mut it = children(node, ns, local);
    let first = it.next();
    if it.next().is_some() {
        return Err(Repeated(local));
    }
    Ok(first)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0} appears more than once")]
pub struct Repeated(pub &'static str);

/// Text content of an element (all descendant text), trimmed.
pub fn text(node: Node<'_, '_>) -> String {
    node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<String>().trim().to_owned()
}

/// The prefix an element was written with in the source (`""` when unprefixed). roxmltree
/// resolves names to namespaces but does not keep prefixes, which canonicalisation needs.
pub fn element_prefix<'i>(doc: &Document<'i>, node: Node<'_, 'i>) -> &'i str {
    let input = doc.input_text();
    let start = node.range().start.saturating_add(1);
    let Some(rest) = input.get(start..) else { return "" };
    let end = rest.find(|c: char| c.is_whitespace() || c == '/' || c == '>').unwrap_or(rest.len());
    let qname = rest.get(..end).unwrap_or("");
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

/// The prefix an attribute was written with (`""` when unprefixed).
pub fn attribute_prefix<'i>(doc: &Document<'i>, attr: &roxmltree::Attribute<'_, 'i>) -> &'i str {
    let qname = doc.input_text().get(attr.range_qname()).unwrap_or("");
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctype_and_entities_are_refused() {
        let billion = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>"#;
        assert_eq!(parse(billion).err(), Some(XmlError::Dtd));
        let external = r#"<!DOCTYPE a SYSTEM "http://127.0.0.1:1/x.dtd"><a/>"#;
        assert_eq!(parse(external).err(), Some(XmlError::Dtd));
        // roxmltree's own default refuses a DTD as well (checked here so an upgrade that changes
        // it is noticed, even though `parse` refuses before it gets there).
        assert!(matches!(Document::parse(external), Err(roxmltree::Error::DtdDetected)));
        assert_eq!(parse("<a>&unknown;</a>").err(), Some(XmlError::Malformed));
    }

    #[test]
    fn many_namespace_declarations_are_refused_before_parsing() {
        // 15 000 bindings on the root, then siblings that each declare one more: without the
        // limit roxmltree copies all 15 000 into each sibling (minutes of CPU, gigabytes).
        let mut bomb = String::from("<r");
        for i in 0..15_000 {
            bomb.push_str(&format!(" xmlns:a{i}=\"u\""));
        }
        bomb.push('>');
        while bomb.len() < MAX_XML_BYTES - 100 {
            bomb.push_str("<b xmlns:z=\"u\"/>");
        }
        bomb.push_str("</r>");
        let started = std::time::Instant::now();
        assert_eq!(parse(&bomb).err(), Some(XmlError::TooManyNamespaces));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // A realistic number still parses.
        let mut fine = String::from("<r");
        for i in 0..20 {
            fine.push_str(&format!(" xmlns:a{i}=\"u{i}\""));
        }
        fine.push_str("><b xmlns=\"urn:x\"/></r>");
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn deep_nesting_is_handled_without_recursion() {
        let depth = (MAX_NODES - 2) as usize;
        let deep = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let started = std::time::Instant::now();
        let doc = parse(&deep).unwrap();
        assert_eq!(text(doc.root_element()), "");
        let canonical = super::super::c14n::exclusive(&doc, doc.root_element(), None, &[]);
        assert_eq!(canonical.len(), deep.len());
        // Was 14 s in a debug build while c14n walked every ancestor for each element.
        assert!(started.elapsed() < std::time::Duration::from_secs(4), "{:?}", started.elapsed());
        assert_eq!(parse(&"<a>".repeat(MAX_NODES as usize + 1)).err(), Some(XmlError::Malformed));
    }

    #[test]
    fn text_reads_across_comments() {
        // The comment-truncation attack: canonical XML (what is signed) drops the comment, so the
        // value read must be the whole text, not the part before the comment.
        let doc = parse("<n>admin@camden.gov.uk<!-- x -->.evil.example</n>").unwrap();
        assert_eq!(text(doc.root_element()), "admin@camden.gov.uk.evil.example");
    }

    #[test]
    fn prefixes_come_from_the_source() {
        let doc = parse(r#"<p:a xmlns:p="urn:x" xmlns:q="urn:y" q:b="1" c="2"><d/></p:a>"#).unwrap();
        let root = doc.root_element();
        assert_eq!(element_prefix(&doc, root), "p");
        let prefixes: Vec<_> = root.attributes().map(|a| attribute_prefix(&doc, &a)).collect();
        assert_eq!(prefixes, vec!["q", ""]);
        assert_eq!(element_prefix(&doc, root.first_element_child().unwrap()), "");
    }
}
