/// The API's OpenAPI 3.1 description, served at `GET /openapi.json`. Kept by hand next to the
/// routes (JobsAPI.swift); a test checks it with openapi-spec-validator and requests every
/// documented operation against a running service.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "PruneLab",
    "version": "1.0.0",
    "summary": "Train a network, prune it at a sweep of sparsities, and measure what is left.",
    "description": "Submit a pruning sweep as a job, follow its progress, and fetch its results (CSV, SVG charts, the trained weights). When the server runs with PRUNELAB_TOKEN set, POST and DELETE need `Authorization: Bearer <token>`. Errors are `application/problem+json` (RFC 9457)."
  },
  "servers": [{"url": "/"}],
  "tags": [{"name": "jobs"}, {"name": "service"}],
  "paths": {
    "/jobs": {
      "post": {
        "tags": ["jobs"],
        "operationId": "submitJob",
        "summary": "Queue a sweep",
        "description": "The spec is validated first; `{}` is the reference experiment. Limits: at most 16 hidden layers of 8192 units, 50,000,000 parameters, 200 epochs, batch size 8192, 64 sparsity levels, 20 repeats. A retry with the same `Idempotency-Key` and spec returns the same job; the same key with a different spec gives 422.",
        "security": [{}, {"bearer": []}],
        "parameters": [
          {"name": "Idempotency-Key", "in": "header", "required": false,
           "description": "1 to 255 visible ASCII characters.", "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SweepSpecInput"},
                                           "example": {"dataset": {"name": "synthetic"}, "model": {"hidden": [32]}, "training": {"epochs": 1}}}}
        },
        "responses": {
          "202": {
            "description": "Queued (or, for a replayed Idempotency-Key, the job it created).",
            "headers": {
              "Location": {"description": "The job's URL.", "schema": {"type": "string"}},
              "Retry-After": {"description": "Seconds to wait before polling.", "schema": {"type": "integer"}}
            },
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"description": "The body is larger than the server accepts."},
          "415": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Problem"}
        }
      },
      "get": {
        "tags": ["jobs"],
        "operationId": "listJobs",
        "summary": "List jobs, newest first",
        "parameters": [
          {"name": "state", "in": "query", "required": false, "schema": {"$ref": "#/components/schemas/JobState"}}
        ],
        "responses": {
          "200": {"description": "The jobs.",
                  "content": {"application/json": {"schema": {"type": "object", "required": ["jobs"],
                    "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"}
        }
      }
    },
    "/jobs/{id}": {
      "parameters": [{"$ref": "#/components/parameters/JobId"}],
      "get": {
        "tags": ["jobs"],
        "operationId": "getJob",
        "summary": "A job's state, progress and artifacts",
        "responses": {
          "200": {"description": "The job.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      },
      "delete": {
        "tags": ["jobs"],
        "operationId": "cancelJob",
        "summary": "Cancel a queued or running job",
        "description": "A queued job is cancelled at once (200) and never starts; a running one is asked to stop (202, `cancel_requested` true) and stops within about a second.",
        "security": [{}, {"bearer": []}],
        "responses": {
          "200": {"description": "Cancelled.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "202": {"description": "Stopping.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Problem"}
        }
      }
    },
    "/jobs/{id}/events": {
      "parameters": [{"$ref": "#/components/parameters/JobId"}],
      "get": {
        "tags": ["jobs"],
        "operationId": "jobEvents",
        "summary": "Server-Sent Events of a job",
        "description": "First a `state` event with the job as it is, then `progress` and `state` events in order (`id` increases); the stream ends after the final state. Each `data` is the job as `GET /jobs/{id}` shows it.",
        "responses": {
          "200": {"description": "The event stream.", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/jobs/{id}/{artifact}": {
      "parameters": [
        {"$ref": "#/components/parameters/JobId"},
        {"name": "artifact", "in": "path", "required": true,
         "schema": {"type": "string", "enum": ["results.csv", "summary.csv", "accuracy.svg", "loss.svg", "latency.svg", "weights.svg", "model.safetensors", "spec.json", "accuracy-compression.svg", "sensitivity.svg", "layers.svg"]}}
      ],
      "get": {
        "tags": ["jobs"],
        "operationId": "getArtifact",
        "summary": "A file the sweep wrote",
        "description": "Supports ETag / If-None-Match, Last-Modified and Range. 404 until the file exists.",
        "responses": {
          "200": {"description": "The file.", "content": {
            "text/csv": {"schema": {"type": "string"}},
            "image/svg+xml": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
          "206": {"description": "Part of the file (Range)."},
          "304": {"description": "Not modified."},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/healthz": {
      "get": {
        "tags": ["service"],
        "operationId": "health",
        "summary": "Liveness",
        "responses": {"200": {"description": "Alive.", "content": {"application/json": {"schema": {"type": "object",
          "properties": {"status": {"const": "ok"}}}}}}}
      }
    },
    "/metrics": {
      "get": {
        "tags": ["service"],
        "operationId": "metrics",
        "summary": "Prometheus metrics",
        "description": "prunelab_jobs{state}, prunelab_queue_length, prunelab_workers, prunelab_training_samples_per_second, prunelab_http_requests_total{status}.",
        "responses": {"200": {"description": "Text exposition format 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/openapi.json": {
      "get": {
        "tags": ["service"],
        "operationId": "openapi",
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "The value of PRUNELAB_TOKEN, when the server has one."}
    },
    "parameters": {
      "JobId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
    },
    "responses": {
      "Problem": {"description": "The request was refused; `detail` says why.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "BadRequest": {"description": "Malformed JSON, or a spec (or query) that is invalid: `errors` names every bad field with a JSON Pointer.",
                     "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Unauthorized": {"description": "A bearer token is required.",
                       "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                       "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "NotFound": {"description": "No such job (or artifact).",
                   "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    },
    "schemas": {
      "JobState": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
      "Phase": {"type": ["string", "null"], "enum": ["loading", "training", "pruning", "evaluating", "fine-tuning", "reporting", null]},
      "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
          "type": {"type": "string", "format": "uri"},
          "title": {"type": "string"},
          "status": {"type": "integer"},
          "detail": {"type": "string"},
          "errors": {"type": "array", "items": {"type": "object", "required": ["pointer", "detail"],
            "properties": {"pointer": {"type": "string", "description": "JSON Pointer (RFC 6901) into the submitted spec."},
                           "detail": {"type": "string"}}}}
        }
      },
      "Job": {
        "type": "object",
        "required": ["id", "state", "phase", "progress", "eta_seconds", "created_at", "started_at", "finished_at",
                     "error", "spec", "artifacts", "links", "cancel_requested", "attempts"],
        "properties": {
          "id": {"type": "string", "format": "uuid"},
          "state": {"$ref": "#/components/schemas/JobState"},
          "phase": {"$ref": "#/components/schemas/Phase"},
          "progress": {"type": "number", "minimum": 0, "maximum": 1},
          "epoch": {"type": ["integer", "null"]},
          "epochs": {"type": ["integer", "null"]},
          "step": {"type": ["integer", "null"]},
          "steps_per_epoch": {"type": ["integer", "null"]},
          "level": {"type": ["integer", "null"], "description": "1-based index of the (method, sparsity, repeat) point."},
          "levels": {"type": ["integer", "null"]},
          "method": {"type": ["string", "null"]},
          "sparsity": {"type": ["number", "null"]},
          "repeat": {"type": ["integer", "null"]},
          "eta_seconds": {"type": ["number", "null"]},
          "samples_per_second": {"type": ["number", "null"]},
          "created_at": {"type": "string", "format": "date-time"},
          "started_at": {"type": ["string", "null"], "format": "date-time"},
          "finished_at": {"type": ["string", "null"], "format": "date-time"},
          "error": {"type": ["string", "null"]},
          "cancel_requested": {"type": "boolean"},
          "attempts": {"type": "integer", "description": "Times a worker started the job; more than 1 after a resume."},
          "spec": {"$ref": "#/components/schemas/SweepSpec"},
          "artifacts": {"type": "object", "description": "File name to URL, for the files that exist so far.",
                        "additionalProperties": {"type": "string"}},
          "links": {"type": "object", "properties": {"self": {"type": "string"}, "events": {"type": "string"}}}
        }
      },
      "SweepSpec": {
        "description": "The resolved spec: every field present.",
        "type": "object",
        "properties": {
          "name": {"type": "string"},
          "dataset": {"type": "object"},
          "model": {"type": "object"},
          "training": {"type": "object"},
          "pruning": {"type": "object"},
          "repeats": {"type": "integer"}
        }
      },
      "SweepSpecInput": {
        "description": "Every field is optional; missing ones take the reference experiment's values. Unknown fields are refused.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string", "maxLength": 200},
          "dataset": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "name": {"type": "string", "enum": ["fashion-mnist", "idx", "synthetic"], "default": "fashion-mnist"},
              "path": {"type": "string", "description": "A folder with the four IDX files (name idx)."},
              "train_limit": {"type": "integer", "minimum": 1}, "test_limit": {"type": "integer", "minimum": 1},
              "train_size": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 2000},
              "test_size": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 500},
              "features": {"type": "integer", "minimum": 1, "maximum": 8192, "default": 64},
              "classes": {"type": "integer", "minimum": 2, "maximum": 1000, "default": 10},
              "seed": {"type": "integer", "minimum": 0}
            }
          },
          "model": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "hidden": {"type": "array", "maxItems": 16, "items": {"type": "integer", "minimum": 1, "maximum": 8192},
                         "default": [1000, 1000, 500, 200]},
              "bias": {"type": "boolean", "default": false}
            }
          },
          "training": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "epochs": {"type": "integer", "minimum": 0, "maximum": 200, "default": 5},
              "batch_size": {"type": "integer", "minimum": 1, "maximum": 8192, "default": 64},
              "optimizer": {"type": "string", "enum": ["adam", "sgd"], "default": "adam"},
              "learning_rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 10, "default": 0.001},
              "momentum": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.9},
              "seed": {"type": "integer", "minimum": 0, "default": 0}
            }
          },
          "pruning": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "methods": {"type": "array", "minItems": 1, "uniqueItems": true,
                          "items": {"type": "string", "enum": ["weight", "unit", "global-weight", "random-weight", "random-unit"]},
                          "default": ["weight", "unit"]},
              "sparsities": {"type": "array", "minItems": 1, "maxItems": 64, "uniqueItems": true,
                             "items": {"type": "number", "minimum": 0, "exclusiveMaximum": 100},
                             "default": [0, 25, 50, 60, 70, 80, 90, 95, 97, 99]},
              "prune_last_layer": {"type": "boolean", "default": false},
              "finetune_epochs": {"type": "integer", "minimum": 0, "maximum": 200, "default": 0}
            }
          },
          "repeats": {"type": "integer", "minimum": 1, "maximum": 20, "default": 1}
        }
      }
    }
  }
}
"""#
}
