import NERServing

/// `GET /openapi.json`: the API contract, with the configured limits filled in so that generated
/// clients and schemathesis see the real bounds — and, once the model is loaded, its entity types.
enum OpenAPIDocument {
    static func json(configuration c: HTTPOptions, entityTypes: [String]? = nil) -> String {
        func list(_ values: [String]) -> String {
            "[" + values.map { value in var out = ""; EntityJSON.writeString(value, into: &out); return out }.joined(separator: ", ") + "]"
        }
        // Without a loaded model (or one without entity types) the types are left open.
        let types = entityTypes.flatMap { $0.isEmpty ? nil : $0 }
        let typeEnum = types.map { #", "enum": \#(list($0))"# } ?? ""
        let entryTypeEnum = types.map { #", "enum": \#(list($0 + ["O"]))"# } ?? ""
        let unprocessable = ##""422": {"$ref": "#/components/responses/Unprocessable"},"##
        return #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "BertNER",
            "version": "\#(NERService.version)",
            "description": "Chinese named-entity recognition (PER, LOC, ORG) with a BERT + CRF engine in Swift. Offsets are Unicode code-point indices into the text, end exclusive."
          },
          "paths": {
            "/ner": {
              "post": {
                "summary": "Recognise the entities of one text",
                "operationId": "recognize",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecognizeRequest"},
                  "example": {"text": "马云在杭州阿里巴巴总部发表演讲", "dictionary": [{"word": "阿里巴巴", "type": "ORG"}, {"word": "杭州", "type": "LOC"}]}}}},
                "responses": {
                  "200": {"description": "Entities in text order", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecognizeResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  \#(unprocessable)
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/ner/batch": {
              "post": {
                "summary": "Recognise the entities of several texts; results in input order",
                "operationId": "recognizeBatch",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRecognizeRequest"},
                  "example": {"texts": ["马云在杭州阿里巴巴总部发表演讲", "国务院总理在北京会见了外宾"]}}}},
                "responses": {
                  "200": {"description": "One result per input text, same order", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRecognizeResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  \#(unprocessable)
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/health": {
              "get": {
                "summary": "Liveness: 200 while the process can answer",
                "operationId": "health",
                "responses": {
                  "200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/ready": {
              "get": {
                "summary": "Readiness: 200 once the model is loaded; 503 while loading and while draining after SIGTERM",
                "operationId": "ready",
                "responses": {
                  "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/info": {
              "get": {
                "summary": "Version, state, model, and the effective configuration (every setting, threads included)",
                "operationId": "info",
                "responses": {"200": {"description": "Server information", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Info"}}}}}
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus metrics (text exposition format)",
                "operationId": "metrics",
                "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
              }
            },
            "/openapi.json": {
              "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.0 document", "content": {"application/json": {"schema": {"type": "object"}}}}}
              }
            },
            "/docs": {
              "get": {
                "summary": "Readable API documentation",
                "operationId": "docs",
                "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}
              }
            },
            "/": {
              "get": {
                "summary": "The web page that highlights entities",
                "operationId": "page",
                "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}
              }
            }
          },
          "components": {
            "schemas": {
              "RecognizeRequest": {
                "type": "object", "required": ["text"], "additionalProperties": false,
                "properties": {
                  "text": {"type": "string", "maxLength": \#(c.maxTextCharacters), "description": "Empty text gives no entities"},
                  "dictionary": {"$ref": "#/components/schemas/Dictionary"},
                  "types": {"$ref": "#/components/schemas/Types"}
                }
              },
              "BatchRecognizeRequest": {
                "type": "object", "required": ["texts"], "additionalProperties": false,
                "properties": {
                  "texts": {"type": "array", "maxItems": \#(c.maxBatchItems), "items": {"type": "string", "maxLength": \#(c.maxTextCharacters)}},
                  "dictionary": {"$ref": "#/components/schemas/Dictionary"},
                  "types": {"$ref": "#/components/schemas/Types"}
                }
              },
              "Dictionary": {
                "type": "array", "maxItems": \#(c.maxDictionaryEntries),
                "description": "Entries merged over the server's dictionary: each forces its word to be one entity of its type, or blocks it (type O). For the same word this request's entry decides; otherwise the longest entry at the leftmost position wins, whichever dictionary holds it. Matched on word-piece boundaries; letters case-insensitively.",
                "items": {
                  "type": "object", "required": ["word", "type"], "additionalProperties": false,
                  "properties": {
                    "word": {"type": "string", "minLength": 1, "maxLength": \#(RequestDecoding.maxDictionaryWordCharacters), "pattern": "\\S", "description": "Not only white space; one word may not have two types in one request"},
                    "type": {"type": "string", "description": "An entity type of the model, or O to block the word"\#(entryTypeEnum)}
                  }
                }
              },
              "Types": {
                "type": "array", "description": "Return only entities of these types (all when absent)",
                "items": {"type": "string"\#(typeEnum)}
              },
              "Entity": {
                "type": "object", "required": ["word", "start", "end", "type", "score", "source", "color"], "additionalProperties": false,
                "properties": {
                  "word": {"type": "string", "description": "text[start..<end]"},
                  "start": {"type": "integer", "minimum": 0, "description": "Code-point offset of the first character"},
                  "end": {"type": "integer", "minimum": 1, "description": "Code-point offset after the last character"},
                  "type": {"type": "string", "description": "Entity type from the model's labels, e.g. PER, LOC, ORG"},
                  "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "Product of the CRF marginal probabilities of the entity's tags; for a dictionary entity, the model's own (unconstrained) probability of it"},
                  "source": {"type": "string", "enum": ["model", "dictionary"], "description": "dictionary: forced by a dictionary entry"},
                  "color": {"type": "string", "enum": ["red", "cyan", "yellow", "magenta"], "description": "PER red, LOC cyan, ORG yellow, other types magenta"}
                }
              },
              "RecognizeResponse": {
                "type": "object", "required": ["text", "entities"], "additionalProperties": false,
                "properties": {"text": {"type": "string"}, "entities": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}}}
              },
              "BatchRecognizeResponse": {
                "type": "object", "required": ["results"], "additionalProperties": false,
                "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/RecognizeResponse"}}}
              },
              "Status": {
                "type": "object", "required": ["status", "state"],
                "properties": {"status": {"type": "string"}, "state": {"type": "string", "enum": ["loading", "ready", "draining"]}}
              },
              "Info": {
                "type": "object", "required": ["name", "version", "state", "configuration"],
                "properties": {
                  "name": {"type": "string"}, "version": {"type": "string"}, "state": {"type": "string"},
                  "model": {"type": "object", "nullable": true},
                  "configuration": {"type": "object"},
                  "dictionary": {"type": "object", "description": "The server's dictionary: path, entries, loadedAt, loadSeconds, reloads, failedReloads, lastError"}
                }
              },
              "Error": {
                "type": "object", "required": ["error"], "additionalProperties": false,
                "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": false,
                  "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}
              }
            },
            "responses": {
              "BadRequest": {"description": "Invalid UTF-8, invalid JSON, or a missing, unknown or wrongly typed field",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooLarge": {"description": "Body over \#(c.maxBodyBytes) bytes, a text over \#(c.maxTextCharacters) characters, more than \#(c.maxBatchItems) texts, more than \#(c.maxDictionaryEntries) dictionary entries or a dictionary word over \#(RequestDecoding.maxDictionaryWordCharacters) characters",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unprocessable": {"description": "invalid_dictionary (an empty word, a type the model lacks, one word with two types) or invalid_types",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unavailable": {"description": "Model loading, server draining, or queue full; retry after Retry-After seconds",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          }
        }
        """#
    }
}
