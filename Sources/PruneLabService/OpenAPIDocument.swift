import Foundation
import PruneKit

/// The API's OpenAPI 3.1 description, served at `GET /openapi.json`. The routes are described by
/// hand next to them (JobsAPI.swift); the sweep spec's schemas are generated from `SpecSchema`,
/// the one description of every spec field. Tests check the document with
/// openapi-spec-validator and, with schemathesis, against a running service.
enum OpenAPIDocument {
    /// The document, built once: the routes plus the generated spec schemas, and under
    /// `x-spec-fields` the spec's fields as a flat list, which the web page's form reads.
    static let json: [UInt8] = {
        guard case .object(var document) = (try? JSONValue.parse(Data(routes.utf8))) ?? .null,
              case .object(var components) = document["components"] ?? .null,
              case .object(var schemas) = components["schemas"] ?? .null else {
            preconditionFailure("OpenAPIDocument.routes is not a JSON object with components.schemas")
        }
        schemas["SweepSpecInput"] = SpecJSONSchema.input
        schemas["SweepSpec"] = SpecJSONSchema.resolved
        components["schemas"] = .object(schemas)
        // The point routes' `method` takes exactly the engine's pruning methods.
        components["parameters"]?.set(.array(PruningMethod.allCases.map { .string($0.rawValue) }), atPointer: "/PointMethod/schema/enum")
        document["components"] = .object(components)
        document["x-spec-fields"] = SpecJSONSchema.flatFields
        return Array(JSONValue.object(document).serialized())
    }()

    /// The hand-written part: paths, responses and the job's schemas.
    static let routes = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "PruneLab",
    "version": "1.0.0",
    "summary": "Train a network, prune it at a sweep of sparsities, and measure what is left.",
    "description": "Submit a pruning sweep as a job, follow its progress, and fetch its results (CSV, SVG charts, the trained weights). When the server runs with PRUNELAB_TOKEN set, POST and DELETE need `Authorization: Bearer <token>`. Errors are `application/problem+json` (RFC 9457)."
  },
  "servers": [{"url": "/"}],
  "tags": [{"name": "jobs"}, {"name": "uploads"}, {"name": "service"}],
  "paths": {
    "/jobs": {
      "post": {
        "tags": ["jobs"],
        "operationId": "submitJob",
        "summary": "Queue a sweep",
        "description": "`{}` is the reference experiment. A spec that breaks its schema (`SweepSpecInput`) gets 400, naming every bad field. A spec that fits the schema can still be refused with 422: when the data it names is not on the server, when its network would exceed 50,000,000 parameters for the data's real input size, or when its `Idempotency-Key` was used before with a different spec. A retry with the same `Idempotency-Key` and spec returns the same job.",
        "security": [{}, {"bearer": []}],
        "parameters": [
          {"name": "Idempotency-Key", "in": "header", "required": false,
           "description": "1 to 255 visible ASCII characters.", "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"}},
          {"name": "dry_run", "in": "query", "required": false,
           "description": "true: create no job; answer 200 with the estimate and whether the job would be accepted.",
           "schema": {"type": "string", "enum": ["true", "false"], "default": "false"}}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SweepSpecInput"},
                                           "example": {"dataset": {"name": "synthetic"}, "model": {"hidden": [32]}, "training": {"epochs": 1}}}}
        },
        "responses": {
          "200": {
            "description": "A dry run: what the job would cost, and the problems a 422 would name (empty when admissible).",
            "content": {"application/json": {"schema": {"type": "object", "required": ["estimate", "admissible", "problems"],
              "properties": {"estimate": {"anyOf": [{"$ref": "#/components/schemas/Estimate"}, {"type": "null"}]},
                             "admissible": {"type": "boolean"},
                             "problems": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}}}}}
          },
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
          "403": {"description": "A file the spec names is outside the server's data roots (`--data-root`); said the same whether or not it exists.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "413": {"description": "The body is larger than the server accepts."},
          "415": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Refused"},
          "429": {"description": "Too many queued jobs (`--max-queued`); a replayed Idempotency-Key still gets its job.",
                  "headers": {"Retry-After": {"description": "Seconds to wait before submitting again.", "schema": {"type": "integer"}}},
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "503": {"$ref": "#/components/responses/StoreUnavailable"}
        }
      },
      "get": {
        "tags": ["jobs"],
        "operationId": "listJobs",
        "summary": "List jobs, newest first, a page at a time",
        "parameters": [
          {"name": "state", "in": "query", "required": false, "schema": {"$ref": "#/components/schemas/JobState"}},
          {"name": "limit", "in": "query", "required": false, "description": "Jobs per page.",
           "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
          {"name": "cursor", "in": "query", "required": false,
           "description": "The `next` of the previous page: the page after it.", "schema": {"type": "string", "pattern": "^[0-9a-f]{16}_[0-9A-Za-z-]{1,100}$"}}
        ],
        "responses": {
          "200": {"description": "A page of jobs; `next` is null on the last page.",
                  "content": {"application/json": {"schema": {"type": "object", "required": ["jobs", "next"],
                    "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                                   "next": {"type": ["string", "null"]}}}}}},
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
        "operationId": "deleteJob",
        "summary": "Delete a job, its record and its artifacts",
        "description": "Cancels the job first if it is queued or running, and waits for its workers to let go of its units (within a heartbeat). Afterwards every URL of the job answers 404, on every front end of the store.",
        "security": [{}, {"bearer": []}],
        "responses": {
          "204": {"description": "Deleted."},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Problem"},
          "503": {"$ref": "#/components/responses/StoreUnavailable"}
        }
      }
    },
    "/jobs/{id}/cancel": {
      "parameters": [{"$ref": "#/components/parameters/JobId"}],
      "post": {
        "tags": ["jobs"],
        "operationId": "cancelJob",
        "summary": "Cancel a queued or running job",
        "description": "A queued job is cancelled at once (200) and never starts. A running one is cancelled in the store at once (202, state `cancelled`, `cancel_requested` true while a worker still holds one of its units): no unit of it is claimed again, its workers' writes are refused, and each of them stops at its next heartbeat.",
        "security": [{}, {"bearer": []}],
        "responses": {
          "200": {"description": "Cancelled.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "202": {"description": "Cancelled; its workers are stopping.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Problem"},
          "503": {"$ref": "#/components/responses/StoreUnavailable"}
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
         "description": "One of the listed files, or `model-repeat-R.safetensors` (R from 1) for the checkpoint of a later repeat.",
         "schema": {"type": "string", "anyOf": [
           {"enum": ["results.csv", "summary.csv", "accuracy.svg", "loss.svg", "latency.svg", "weights.svg", "model.safetensors", "spec.json", "accuracy-compression.svg", "sensitivity.svg", "layers.svg", "masks.json", "masks.svg"]},
           {"pattern": "^model-repeat-[1-9][0-9]*\\.safetensors$"}]}}
      ],
      "get": {
        "tags": ["jobs"],
        "operationId": "getArtifact",
        "summary": "A file the sweep wrote",
        "description": "Supports ETag / If-None-Match, Last-Modified and Range. 404 until the file exists. `results.csv` has one row per point, with the columns the README lists (results format 3); its last two, `host` and `cpu`, name the machine and CPU model the row was measured on (empty in rows of earlier formats).",
        "responses": {
          "200": {"description": "The file.", "content": {
            "text/csv": {"schema": {"type": "string"}},
            "image/svg+xml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/SweepSpec"}, {"$ref": "#/components/schemas/MaskFile"}]}},
            "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
          "206": {"description": "Part of the file (Range)."},
          "304": {"description": "Not modified."},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/jobs/{id}/points/{method}/{sparsity}/model.safetensors": {
      "parameters": [
        {"$ref": "#/components/parameters/JobId"},
        {"$ref": "#/components/parameters/PointMethod"},
        {"$ref": "#/components/parameters/PointSparsity"},
        {"$ref": "#/components/parameters/PointRepeat"},
        {"$ref": "#/components/parameters/PointVariant"},
        {"$ref": "#/components/parameters/PointLayer"},
        {"name": "masks", "in": "query", "required": false, "description": "Add `N.weight_mask` tensors (weight methods).", "schema": {"type": "boolean"}},
        {"name": "format", "in": "query", "required": false, "description": "`safetensors` (dense, default) or `csr` (`N.row_ptr`, `N.col_idx`, `N.values`).", "schema": {"type": "string", "enum": ["safetensors", "csr"]}}
      ],
      "get": {
        "tags": ["jobs"],
        "operationId": "getPointModel",
        "summary": "A pruned point's network for PyTorch",
        "description": "Tensors `0.weight` [out, in], `0.bias`, `2.weight`, ... of `nn.Sequential(Linear, ReLU, ...)`: weight methods full-shape with pruned weights zero, unit methods the shrunk network. One-shot points without fine-tuning are rebuilt from the checkpoint; every other point (fine-tuned, iterative steps, gradual, at-init, controls) is read back from the network the sweep kept. 409 when neither works: a job folder from before stored points, a missing checkpoint, or a network that no longer reproduces its recorded accuracy.",
        "responses": {
          "200": {"description": "The safetensors file.", "content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"description": "The point exists but its network cannot be rebuilt or read back (e.g. a job from before stored points).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    },
    "/jobs/{id}/points/{method}/{sparsity}/masks.svg": {
      "parameters": [
        {"$ref": "#/components/parameters/JobId"},
        {"$ref": "#/components/parameters/PointMethod"},
        {"$ref": "#/components/parameters/PointSparsity"},
        {"$ref": "#/components/parameters/PointRepeat"},
        {"$ref": "#/components/parameters/PointVariant"},
        {"$ref": "#/components/parameters/PointLayer"}
      ],
      "get": {
        "tags": ["jobs"],
        "operationId": "getPointMasksSvg",
        "summary": "Where one point's network was cut, as SVG",
        "description": "The first layer's kept fraction per input as a heat map in the input's shape (28×28 for 784 inputs, a bar otherwise; each `rect.cell` carries `data-v`), and per layer bars of the weights and units kept. Drawn from the job's masks.json, which the sweep records as it measures each point; 404 for a point not recorded (yet).",
        "responses": {
          "200": {"description": "The point's masks.svg.", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/jobs/{id}/points/{method}/{sparsity}/masks.json": {
      "parameters": [
        {"$ref": "#/components/parameters/JobId"},
        {"$ref": "#/components/parameters/PointMethod"},
        {"$ref": "#/components/parameters/PointSparsity"},
        {"$ref": "#/components/parameters/PointRepeat"},
        {"$ref": "#/components/parameters/PointVariant"},
        {"$ref": "#/components/parameters/PointLayer"}
      ],
      "get": {
        "tags": ["jobs"],
        "operationId": "getPointMasks",
        "summary": "Where one point's network was cut, as JSON",
        "description": "The data masks.svg and weights.svg draw: `input_kept` (per input, the fraction of its first-layer connections still on a path to an output), `layers` (weights and units kept per layer), `weights` (histograms of the nonzero |w| and the kept columns' norms after pruning) and `trained_weights` (the same of the repeat's trained network, before pruning).",
        "responses": {
          "200": {"description": "The point's masks.json.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PointMasks"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/jobs/{id}/points/{method}/{sparsity}/weights.svg": {
      "parameters": [
        {"$ref": "#/components/parameters/JobId"},
        {"$ref": "#/components/parameters/PointMethod"},
        {"$ref": "#/components/parameters/PointSparsity"},
        {"$ref": "#/components/parameters/PointRepeat"},
        {"$ref": "#/components/parameters/PointVariant"},
        {"$ref": "#/components/parameters/PointLayer"}
      ],
      "get": {
        "tags": ["jobs"],
        "operationId": "getPointWeightsSvg",
        "summary": "A point's weight histograms before and after pruning",
        "description": "Per prunable layer: |w| and column norms of the repeat's trained network, then of the nonzero weights and kept columns the point's network has.",
        "responses": {
          "200": {"description": "The point's weights.svg.", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/compare.svg": {
      "get": {
        "tags": ["jobs"],
        "operationId": "compareSvg",
        "summary": "Several jobs' results overlaid",
        "description": "One series per job × method (× variant), coloured by method and dashed per job, the legend naming job and method; bands of mean ± std where a job has repeats; a `<title>` tooltip on every point. A job that has measured nothing yet has no series.",
        "parameters": [
          {"name": "jobs", "in": "query", "required": true, "description": "1 to 20 job ids separated by commas.",
           "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){0,19}$"}},
          {"name": "metric", "in": "query", "required": false, "description": "y: test accuracy (%), test loss, or inference time of the test set (ms).",
           "schema": {"type": "string", "enum": ["accuracy", "loss", "latency"], "default": "accuracy"}},
          {"name": "x", "in": "query", "required": false, "description": "x: target sparsity (%) or compression (original / nonzero weights, log axis).",
           "schema": {"type": "string", "enum": ["sparsity", "compression"], "default": "sparsity"}}
        ],
        "responses": {
          "200": {"description": "The chart.", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"description": "A job named is unknown (`detail` names it).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    },
    "/compare/diff": {
      "get": {
        "tags": ["jobs"],
        "operationId": "compareDiff",
        "summary": "The spec fields in which two jobs differ",
        "description": "Every field of the two resolved specs that differs, as a JSON Pointer with the value in each (`a` the first job's, `b` the second's; null where a spec leaves an optional field unset). Arrays are compared whole.",
        "parameters": [
          {"name": "jobs", "in": "query", "required": true, "description": "Exactly two job ids separated by a comma.",
           "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12},[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}}
        ],
        "responses": {
          "200": {"description": "The differences, in pointer order.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SpecDiff"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "404": {"description": "A job named is unknown (`detail` names it).", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    },
    "/models": {
      "post": {
        "tags": ["uploads"],
        "operationId": "uploadModel",
        "summary": "Upload a model file; a spec then names it by id",
        "description": "A safetensors file of a trained MLP (F32, F16 or BF16): PyTorch `nn.Sequential` of `nn.Linear` (`0.weight` [out, in], `0.bias`, `2.weight`, ...), PruneLab's own checkpoint, or layers named by `?layers=`. It is checked as a sweep would read it (header, shapes that chain, every value) before it is stored. The body is streamed to disk as it arrives, up to the server's `--max-upload` (default 512 MB). The id is derived from the content: the same file uploaded again gets the same id (200). A spec names it with `\"model\": {\"uploaded\": ID}`.",
        "security": [{}, {"bearer": []}],
        "parameters": [{"name": "layers", "in": "query", "required": false, "description": "The file's layer names in order, comma-separated, for files named otherwise (`fc1,fc2` reads `fc1.weight`, `fc1.bias`, ...); a spec naming the upload then reads it so.", "schema": {"type": "string", "pattern": "^[^,]{1,200}(,[^,]{1,200}){0,16}$"}}],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
        "responses": {
          "200": {"description": "This file was uploaded before: its record.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
          "201": {"description": "Stored: its id, size, SHA-256 and what was found in it.",
                  "headers": {"Location": {"description": "The upload's URL.", "schema": {"type": "string"}}},
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"description": "The body is larger than `--max-upload`; `detail` names the limit. Nothing is kept.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "422": {"description": "The file cannot be used: `detail` names what is wrong (the tensor, array, line or column), never quoting its bytes. Nothing is kept.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      },
      "get": {
        "tags": ["uploads"],
        "operationId": "listModels",
        "summary": "Uploaded models, newest first",
        "responses": {
          "200": {"description": "Every upload.", "content": {"application/json": {"schema": {"type": "object", "required": ["uploads"],
            "properties": {"uploads": {"type": "array", "items": {"$ref": "#/components/schemas/Upload"}}}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"}
        }
      }
    },
    "/models/{id}": {
      "parameters": [{"$ref": "#/components/parameters/UploadId"}],
      "get": {
        "tags": ["uploads"],
        "operationId": "getModel",
        "summary": "An uploaded model's record",
        "responses": {
          "200": {"description": "The upload.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      },
      "delete": {
        "tags": ["uploads"],
        "operationId": "deleteModel",
        "summary": "Delete an uploaded model",
        "description": "Jobs queued with it that have not started fail to load it; jobs that read it already are not affected.",
        "security": [{}, {"bearer": []}],
        "responses": {
          "204": {"description": "Deleted."},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/datasets": {
      "post": {
        "tags": ["uploads"],
        "operationId": "uploadDataset",
        "summary": "Upload a dataset file; a spec then names it by id",
        "description": "An `.npz` in Keras's layout (arrays `x_train`, `y_train`, `x_test`, `y_test`; inputs uint8 or float32, integer labels 0 to 255), told by its zip signature, or one CSV file (a header row, numeric features, an integer label column): upload the training and the test CSV separately. Every value is checked as a sweep would read it before the file is stored. The body is streamed to disk as it arrives, up to the server's `--max-upload` (default 512 MB). The id is derived from the content: the same file uploaded again gets the same id (200). A spec names it with `\"dataset\": {\"uploaded\": ID}` (npz) or `train_uploaded` / `test_uploaded` (csv).",
        "security": [{}, {"bearer": []}],
        "parameters": [{"name": "label_column", "in": "query", "required": false, "description": "CSV: the header name of the label column (default `label`); a spec naming the upload must use the same `dataset.label_column`.", "schema": {"type": "string", "pattern": "^[^,]{1,200}$"}}],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}, "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}, "text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}}}},
        "responses": {
          "200": {"description": "This file was uploaded before: its record.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
          "201": {"description": "Stored: its id, size, SHA-256 and what was found in it.",
                  "headers": {"Location": {"description": "The upload's URL.", "schema": {"type": "string"}}},
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"description": "The body is larger than `--max-upload`; `detail` names the limit. Nothing is kept.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "422": {"description": "The file cannot be used: `detail` names what is wrong (the tensor, array, line or column), never quoting its bytes. Nothing is kept.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      },
      "get": {
        "tags": ["uploads"],
        "operationId": "listDatasets",
        "summary": "Uploaded datasets, newest first",
        "responses": {
          "200": {"description": "Every upload.", "content": {"application/json": {"schema": {"type": "object", "required": ["uploads"],
            "properties": {"uploads": {"type": "array", "items": {"$ref": "#/components/schemas/Upload"}}}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"}
        }
      }
    },
    "/datasets/{id}": {
      "parameters": [{"$ref": "#/components/parameters/UploadId"}],
      "get": {
        "tags": ["uploads"],
        "operationId": "getDataset",
        "summary": "An uploaded dataset's record",
        "responses": {
          "200": {"description": "The upload.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      },
      "delete": {
        "tags": ["uploads"],
        "operationId": "deleteDataset",
        "summary": "Delete an uploaded dataset",
        "description": "Jobs queued with it that have not started fail to load it; jobs that read it already are not affected.",
        "security": [{}, {"bearer": []}],
        "responses": {
          "204": {"description": "Deleted."},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/presets": {
      "get": {
        "tags": ["jobs"],
        "operationId": "listPresets",
        "summary": "Named classic experiments",
        "description": "Each preset's `spec` can be POSTed to /jobs as it is (or run with `prunelab run --preset NAME`).",
        "responses": {"200": {"description": "The presets.", "content": {"application/json": {"schema": {"type": "object", "required": ["presets"],
          "properties": {"presets": {"type": "array", "items": {"type": "object", "required": ["name", "summary", "reproduces", "spec"],
            "properties": {"name": {"type": "string"}, "summary": {"type": "string"}, "reproduces": {"type": "string"},
                           "spec": {"$ref": "#/components/schemas/SweepSpecInput"}}}}}}}}}}
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
      "JobId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
      "UploadId": {"name": "id", "in": "path", "required": true, "description": "The id the upload was given.", "schema": {"type": "string", "pattern": "^[0-9a-f]{20}$"}},
      "PointMethod": {"name": "method", "in": "path", "required": true, "description": "The pruning method of the point (the enum is the engine's list).", "schema": {"type": "string", "enum": []}},
      "PointSparsity": {"name": "sparsity", "in": "path", "required": true, "description": "Its target sparsity in percent, `90` or `90.0`.", "schema": {"type": "string", "pattern": "^[0-9]{1,2}(\\.[0-9]{1,6})?$"}},
      "PointRepeat": {"name": "repeat", "in": "query", "required": false, "description": "The repeat (default 0).", "schema": {"type": "integer", "minimum": 0, "maximum": 19}},
      "PointVariant": {"name": "variant", "in": "query", "required": false, "description": "`pruned` (default), or a control's network (masks are not recorded for small-dense networks, whose shape differs).", "schema": {"type": "string", "enum": ["pruned", "random-reinit", "small-dense"]}},
      "PointLayer": {"name": "layer", "in": "query", "required": false, "description": "Each-layer scope: the 0-based layer the point pruned alone (absent: every layer together).", "schema": {"type": "integer", "minimum": 0, "maximum": 16}}
    },
    "responses": {
      "Problem": {"description": "The request was refused; `detail` says why.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "BadRequest": {"description": "Malformed JSON, or a spec (or query) that is invalid: `errors` names every bad field with a JSON Pointer.",
                     "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Unauthorized": {"description": "A bearer token is required.",
                       "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                       "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Refused": {"description": "A valid request the server will not carry out: `errors` names the fields (JSON Pointers) that cause it.",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "NotFound": {"description": "No such job (or artifact, or upload).",
                   "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "StoreUnavailable": {"description": "The job store could not be reached or did not take the change; nothing changed. Retry after `Retry-After` seconds.",
                   "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
                   "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    },
    "schemas": {
      "Upload": {
        "type": "object", "description": "A stored upload and what was found in it.",
        "required": ["id", "kind", "format", "bytes", "sha256", "created"],
        "properties": {
          "id": {"type": "string", "pattern": "^[0-9a-f]{20}$"},
          "kind": {"type": "string", "enum": ["model", "dataset"]},
          "format": {"type": "string", "enum": ["safetensors", "npz", "csv"]},
          "bytes": {"type": "integer", "minimum": 1},
          "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
          "created": {"type": "string", "format": "date-time"},
          "model": {"type": "object", "required": ["layer_sizes", "bias", "layout"], "description": "Models: the network found.",
            "properties": {"layer_sizes": {"type": "array", "items": {"type": "integer"}, "description": "Inputs, then each layer's outputs."},
                           "bias": {"type": "boolean"}, "layout": {"type": "string"},
                           "layers": {"type": "array", "items": {"type": "string"}}}},
          "dataset": {"type": "object", "required": ["samples", "features", "classes"], "description": "Datasets: the arrays (npz) or columns (csv) found.",
            "properties": {"arrays": {"type": "array", "items": {"type": "object", "required": ["name", "dtype", "shape"],
                             "properties": {"name": {"type": "string"}, "dtype": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer"}}}}},
                           "columns": {"type": "array", "items": {"type": "string"}},
                           "label_column": {"type": "string"},
                           "samples": {"type": "integer"}, "features": {"type": "integer"}, "classes": {"type": "integer"}}}
        }
      },
      "Histogram": {"type": "object", "required": ["upper", "counts"], "description": "Counts in equal bins over 0...upper.",
        "properties": {"upper": {"type": "number"}, "counts": {"type": "array", "items": {"type": "integer"}}}},
      "LayerWeights": {"type": "object", "required": ["layer", "inputs", "outputs", "magnitudes", "column_norms"],
        "properties": {"layer": {"type": "integer"}, "inputs": {"type": "integer"}, "outputs": {"type": "integer"},
                       "magnitudes": {"$ref": "#/components/schemas/Histogram"}, "column_norms": {"$ref": "#/components/schemas/Histogram"}}},
      "LayerCut": {"type": "object", "required": ["layer", "weights_kept", "weights_total", "units_kept", "units_total"],
        "properties": {"layer": {"type": "integer"}, "weights_kept": {"type": "integer"}, "weights_total": {"type": "integer"},
                       "units_kept": {"type": "integer", "description": "Output units still on a path from an input (or a nonzero bias) to an output."},
                       "units_total": {"type": "integer"}}},
      "MaskSummary": {"type": "object", "required": ["method", "target_sparsity", "repeat", "variant", "input_kept", "layers", "weights"],
        "properties": {"method": {"type": "string"}, "target_sparsity": {"type": "number"}, "repeat": {"type": "integer"},
                       "variant": {"type": "string"}, "layer": {"type": ["integer", "null"]},
                       "input_kept": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
                                      "description": "Per input feature, the fraction of its first-layer connections still on a path to an output."},
                       "layers": {"type": "array", "items": {"$ref": "#/components/schemas/LayerCut"}},
                       "weights": {"type": "array", "items": {"$ref": "#/components/schemas/LayerWeights"}}}},
      "PointMasks": {"allOf": [{"$ref": "#/components/schemas/MaskSummary"}, {"type": "object", "required": ["input_shape", "trained_weights", "layer"],
        "properties": {"input_shape": {"type": "array", "items": {"type": "integer"}, "description": "[28, 28] for 784 inputs, else [features]."},
                       "trained_weights": {"anyOf": [{"type": "array", "items": {"$ref": "#/components/schemas/LayerWeights"}}, {"type": "null"}]}}}]},
      "MaskFile": {"type": "object", "required": ["format_version", "input_shape", "trained", "points"],
        "properties": {"format_version": {"type": "integer"}, "input_shape": {"type": "array", "items": {"type": "integer"}},
                       "trained": {"type": "array", "items": {"type": "object", "required": ["repeat", "weights"],
                                   "properties": {"repeat": {"type": "integer"}, "weights": {"type": "array", "items": {"$ref": "#/components/schemas/LayerWeights"}}}}},
                       "points": {"type": "array", "items": {"$ref": "#/components/schemas/MaskSummary"}}}},
      "SpecDiff": {"type": "object", "required": ["jobs", "differences"],
        "properties": {"jobs": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
                       "differences": {"type": "array", "items": {"type": "object", "required": ["pointer", "a", "b"],
                         "properties": {"pointer": {"type": "string", "description": "JSON Pointer of the spec field."}, "a": {}, "b": {}}}}}},
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
          "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
          "estimate": {"$ref": "#/components/schemas/Estimate"}
        }
      },
      "FieldError": {"type": "object", "required": ["pointer", "detail"],
        "properties": {"pointer": {"type": "string", "description": "JSON Pointer (RFC 6901) into the submitted spec."},
                       "detail": {"type": "string"}}},
      "Estimate": {
        "type": "object", "description": "What a job costs, estimated before it is accepted.",
        "required": ["peak_memory_bytes", "flops", "seconds", "memory_drivers", "time_drivers"],
        "properties": {
          "peak_memory_bytes": {"type": "integer", "description": "Peak resident memory of the job's process."},
          "flops": {"type": "number", "description": "Multiply-adds x 2 of training, fine-tuning, evaluations and timings."},
          "seconds": {"type": "number", "description": "The work at this machine's measured rates."},
          "memory_drivers": {"type": "array", "items": {"type": "string"}, "description": "JSON Pointers of the fields driving peak memory, biggest first."},
          "time_drivers": {"type": "array", "items": {"type": "string"}, "description": "JSON Pointers of the fields driving the seconds, biggest first."}
        }
      },
      "Job": {
        "type": "object",
        "required": ["id", "state", "phase", "progress", "eta_seconds", "created_at", "started_at", "finished_at",
                     "error", "spec", "artifacts", "links", "cancel_requested", "attempts", "attempt_log", "cores", "estimate", "units"],
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
          "eta_seconds": {"type": ["number", "null"], "description": "Seconds left: from the running attempt's pace, or the estimate until there is one; for a queued job, its estimate."},
          "samples_per_second": {"type": ["number", "null"]},
          "created_at": {"type": "string", "format": "date-time"},
          "started_at": {"type": ["string", "null"], "format": "date-time"},
          "finished_at": {"type": ["string", "null"], "format": "date-time"},
          "error": {"type": ["string", "null"]},
          "cancel_requested": {"type": "boolean", "description": "The job is cancelled and a worker still holds one of its units."},
          "attempts": {"type": "integer", "description": "Attempts at the job's work units (its trainings, lines of points and reports): one per unit, more after a worker died or was stopped."},
          "attempt_log": {"type": "array", "description": "Every attempt at a unit, oldest first; `reason` names the unit and the worker. Each unit has at most --max-attempts `failed` or `crashed` attempts.",
            "items": {"type": "object", "required": ["started", "ended", "outcome", "reason"],
              "properties": {"started": {"type": "string", "format": "date-time"},
                             "ended": {"type": ["string", "null"], "format": "date-time"},
                             "outcome": {"type": ["string", "null"], "enum": ["succeeded", "failed", "crashed", "cancelled", "interrupted", null]},
                             "reason": {"type": ["string", "null"]}}}},
          "cores": {"type": ["integer", "null"], "description": "Null: each unit ran on its worker's own share of the CPUs (results.csv's host and cpu say where)."},
          "estimate": {"anyOf": [{"$ref": "#/components/schemas/Estimate"}, {"type": "null"}],
                       "description": "What admission estimated the job costs; null for jobs from before estimates."},
          "units": {"type": "object", "description": "The job's work units (trainings, lines of points, the reports) by state; `running`: held by a worker now, `failed`: out of attempts.",
                    "required": ["total", "done", "running", "failed"],
                    "properties": {"total": {"type": "integer", "minimum": 0}, "done": {"type": "integer", "minimum": 0},
                                   "running": {"type": "integer", "minimum": 0}, "failed": {"type": "integer", "minimum": 0}}},
          "spec": {"$ref": "#/components/schemas/SweepSpec"},
          "artifacts": {"type": "object", "description": "File name to URL, for the files that exist so far.",
                        "additionalProperties": {"type": "string"}},
          "links": {"type": "object", "properties": {"self": {"type": "string"}, "events": {"type": "string"}}}
        }
      }
    }
  }
}
"""#
}
