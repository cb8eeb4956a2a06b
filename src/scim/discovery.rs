//! The discovery documents (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas,
//! describing exactly what this service does.

use serde_json::{Value, json};

use super::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, MAX_PAGE, USER_SCHEMA};

pub fn service_provider_config(base: &str, docs: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": docs,
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_PAGE },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The SCIM secret token shown once when it was created, or an access token from the client_credentials grant with the scim scope.",
            "primary": true,
        }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A member of the organisation: userName is the sign-in email address.",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{ "schema": ENTERPRISE_SCHEMA, "required": false }],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A directory group; the SSO connection's group → role mapping gives its members roles.",
            "schema": GROUP_SCHEMA,
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group") },
        }),
    ]
}

fn attr(name: &str, ty: &str, multi: bool, required: bool, case_exact: bool, mutability: &str, uniqueness: &str) -> Value {
    json!({
        "name": name, "type": ty, "multiValued": multi, "description": name, "required": required,
        "caseExact": case_exact, "mutability": mutability, "returned": "default", "uniqueness": uniqueness,
    })
}

fn complex(name: &str, multi: bool, subs: Vec<Value>) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": multi, "description": name, "required": false,
        "mutability": "readWrite", "returned": "default", "uniqueness": "none", "subAttributes": subs,
    })
}

fn s(name: &str) -> Value {
    attr(name, "string", false, false, false, "readWrite", "none")
}

pub fn schemas(base: &str) -> Vec<Value> {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User account",
        "attributes": [
            attr("userName", "string", false, true, false, "readWrite", "server"),
            complex("name", false, vec![s("formatted"), s("familyName"), s("givenName"), s("middleName"), s("honorificPrefix"), s("honorificSuffix")]),
            s("displayName"),
            s("nickName"),
            s("title"),
            s("userType"),
            s("preferredLanguage"),
            s("locale"),
            s("timezone"),
            attr("active", "boolean", false, false, false, "readWrite", "none"),
            attr("externalId", "string", false, false, true, "readWrite", "none"),
            complex("emails", true, vec![s("value"), s("display"), s("type"), attr("primary", "boolean", false, false, false, "readWrite", "none")]),
            complex("phoneNumbers", true, vec![s("value"), s("display"), s("type"), attr("primary", "boolean", false, false, false, "readWrite", "none")]),
            complex("addresses", true, vec![s("formatted"), s("streetAddress"), s("locality"), s("region"), s("postalCode"), s("country"), s("type"), attr("primary", "boolean", false, false, false, "readWrite", "none")]),
            json!({
                "name": "groups", "type": "complex", "multiValued": true, "description": "Groups the user is in", "required": false,
                "mutability": "readOnly", "returned": "default", "uniqueness": "none",
                "subAttributes": [
                    attr("value", "string", false, false, true, "readOnly", "none"),
                    attr("display", "string", false, false, false, "readOnly", "none"),
                    json!({ "name": "$ref", "type": "reference", "referenceTypes": ["Group"], "multiValued": false, "description": "$ref", "required": false, "caseExact": true, "mutability": "readOnly", "returned": "default", "uniqueness": "none" }),
                ],
            }),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}") },
    });
    let enterprise = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "Enterprise User (kept as sent; Stile does not use it)",
        "attributes": [
            s("employeeNumber"), s("costCenter"), s("organization"), s("division"), s("department"),
            complex("manager", false, vec![s("value"), s("displayName")]),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{ENTERPRISE_SCHEMA}") },
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "Group",
        "attributes": [
            attr("displayName", "string", false, true, false, "readWrite", "none"),
            attr("externalId", "string", false, false, true, "readWrite", "none"),
            json!({
                "name": "members", "type": "complex", "multiValued": true, "description": "Members", "required": false,
                "mutability": "readWrite", "returned": "default", "uniqueness": "none",
                "subAttributes": [
                    attr("value", "string", false, false, true, "immutable", "none"),
                    attr("display", "string", false, false, false, "readOnly", "none"),
                    attr("type", "string", false, false, false, "immutable", "none"),
                    json!({ "name": "$ref", "type": "reference", "referenceTypes": ["User"], "multiValued": false, "description": "$ref", "required": false, "caseExact": true, "mutability": "immutable", "returned": "default", "uniqueness": "none" }),
                ],
            }),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}") },
    });
    vec![user, enterprise, group]
}

/// A ListResponse of every item (the discovery endpoints do not page).
pub fn list_all(items: Vec<Value>) -> Value {
    json!({ "schemas": [LIST_SCHEMA], "totalResults": items.len(), "startIndex": 1, "itemsPerPage": items.len(), "Resources": items })
}
