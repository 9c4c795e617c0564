// kdlab's graph binding: a thin Node-API layer over TensorFlow's C graph API
// (TF_NewOperation, TF_AddGradients, TF_UpdateEdge, TF_SessionRun), linked against the same
// libtensorflow_cc.so.2 that tfjs-node loads. It knows nothing about models:
// lib/graph and lib/distill/compiled build the train-step graph op by op through it, then run the
// step with one call (sessionRun / sessionRunAsync) per batch.
//
// Handles passed to JavaScript are napi externals: a Graph (owns TF_Graph), an
// Operation (a TF_Operation* owned by its graph; JS keeps the graph alive), a
// Session (owns TF_Session). Outputs are [operation, index] pairs.

#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tensorflow/c/c_api.h"

namespace {

#define CHECK_NAPI(env, call)                                   \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      ThrowLastError(env, #call);                               \
      return nullptr;                                           \
    }                                                           \
  } while (0)

void ThrowLastError(napi_env env, const char* where) {
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  std::string message = std::string("kdlab graph binding: ") + where + ": " +
                        (info && info->error_message ? info->error_message : "unknown N-API error");
  napi_throw_error(env, nullptr, message.c_str());
}

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

struct Graph {
  TF_Graph* graph;
};

struct Session {
  TF_Session* session;
  TF_Graph* graph;  // borrowed; the JS Session object keeps its Graph alive
  int running;
};

enum HandleKind : uint32_t { kGraph = 0x6b470001, kOperation = 0x6b470002, kSession = 0x6b470003 };

struct Handle {
  HandleKind kind;
  void* pointer;
};

void FinalizeHandle(napi_env, void* data, void*) {
  Handle* handle = static_cast<Handle*>(data);
  if (handle->kind == kGraph) {
    Graph* graph = static_cast<Graph*>(handle->pointer);
    TF_DeleteGraph(graph->graph);
    delete graph;
  } else if (handle->kind == kSession) {
    Session* session = static_cast<Session*>(handle->pointer);
    if (session->session != nullptr) {
      TF_Status* status = TF_NewStatus();
      TF_CloseSession(session->session, status);
      TF_DeleteSession(session->session, status);
      TF_DeleteStatus(status);
    }
    delete session;
  }
  delete handle;
}

napi_value Wrap(napi_env env, HandleKind kind, void* pointer) {
  napi_value value;
  Handle* handle = new Handle{kind, pointer};
  if (napi_create_external(env, handle, FinalizeHandle, nullptr, &value) != napi_ok) {
    delete handle;
    ThrowLastError(env, "napi_create_external");
    return nullptr;
  }
  return value;
}

void* Unwrap(napi_env env, napi_value value, HandleKind kind, const char* what) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) {
    Throw(env, std::string("expected a ") + what + " handle");
    return nullptr;
  }
  void* data = nullptr;
  napi_get_value_external(env, value, &data);
  Handle* handle = static_cast<Handle*>(data);
  if (handle == nullptr || handle->kind != kind || handle->pointer == nullptr) {
    Throw(env, std::string("expected a ") + what + " handle");
    return nullptr;
  }
  return handle->pointer;
}

std::vector<napi_value> Args(napi_env env, napi_callback_info info, size_t expected) {
  size_t count = expected;
  std::vector<napi_value> args(expected);
  napi_get_cb_info(env, info, &count, args.data(), nullptr, nullptr);
  for (size_t i = count; i < expected; ++i) napi_get_undefined(env, &args[i]);
  return args;
}

bool GetString(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length);
  size_t written = 0;
  napi_get_value_string_utf8(env, value, out->data(), length + 1, &written);
  return true;
}

bool GetInt64(napi_env env, napi_value value, int64_t* out) {
  return napi_get_value_int64(env, value, out) == napi_ok;
}

napi_value Property(napi_env env, napi_value object, const char* name) {
  napi_value value = nullptr;
  napi_get_named_property(env, object, name, &value);
  return value;
}

bool IsUndefinedOrNull(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  return type == napi_undefined || type == napi_null;
}

uint32_t ArrayLength(napi_env env, napi_value array) {
  uint32_t length = 0;
  napi_get_array_length(env, array, &length);
  return length;
}

napi_value Element(napi_env env, napi_value array, uint32_t index) {
  napi_value value = nullptr;
  napi_get_element(env, array, index, &value);
  return value;
}

// An output is [operation, index].
bool GetOutput(napi_env env, napi_value value, TF_Output* out) {
  bool isArray = false;
  napi_is_array(env, value, &isArray);
  if (!isArray || ArrayLength(env, value) != 2) {
    Throw(env, "expected an output [operation, index]");
    return false;
  }
  void* op = Unwrap(env, Element(env, value, 0), kOperation, "operation");
  if (op == nullptr) return false;
  int64_t index = 0;
  if (!GetInt64(env, Element(env, value, 1), &index)) {
    Throw(env, "output index must be a number");
    return false;
  }
  out->oper = static_cast<TF_Operation*>(op);
  out->index = static_cast<int>(index);
  return true;
}

bool GetOutputs(napi_env env, napi_value array, std::vector<TF_Output>* out) {
  bool isArray = false;
  napi_is_array(env, array, &isArray);
  if (!isArray) {
    Throw(env, "expected an array of outputs");
    return false;
  }
  uint32_t length = ArrayLength(env, array);
  out->resize(length);
  for (uint32_t i = 0; i < length; ++i) {
    if (!GetOutput(env, Element(env, array, i), &(*out)[i])) return false;
  }
  return true;
}

bool GetInt64List(napi_env env, napi_value array, std::vector<int64_t>* out) {
  bool isArray = false;
  napi_is_array(env, array, &isArray);
  if (!isArray) {
    Throw(env, "expected an array of integers");
    return false;
  }
  uint32_t length = ArrayLength(env, array);
  out->resize(length);
  for (uint32_t i = 0; i < length; ++i) {
    if (!GetInt64(env, Element(env, array, i), &(*out)[i])) {
      Throw(env, "expected an array of integers");
      return false;
    }
  }
  return true;
}

// Typed array → (pointer, byte length); the JS value must stay alive while used.
bool GetTypedArrayBytes(napi_env env, napi_value value, void** data, size_t* bytes) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  if (!isTyped) {
    Throw(env, "expected a typed array");
    return false;
  }
  napi_typedarray_type type;
  size_t length = 0;
  napi_value buffer;
  size_t offset = 0;
  napi_get_typedarray_info(env, value, &type, &length, data, &buffer, &offset);
  size_t element = 1;
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: element = 1; break;
    case napi_int16_array: case napi_uint16_array: element = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: element = 4; break;
    default: element = 8; break;
  }
  *bytes = length * element;
  return true;
}

size_t DataTypeBytes(TF_DataType dtype) { return TF_DataTypeSize(dtype); }

// { dtype, shape, data } → a new TF_Tensor holding a copy of data.
TF_Tensor* TensorFromJs(napi_env env, napi_value spec, const std::string& where) {
  int64_t dtype = 0;
  if (!GetInt64(env, Property(env, spec, "dtype"), &dtype)) {
    Throw(env, where + ": tensor needs a numeric dtype");
    return nullptr;
  }
  std::vector<int64_t> shape;
  if (!GetInt64List(env, Property(env, spec, "shape"), &shape)) return nullptr;
  void* data = nullptr;
  size_t bytes = 0;
  if (!GetTypedArrayBytes(env, Property(env, spec, "data"), &data, &bytes)) return nullptr;
  size_t elements = 1;
  for (int64_t d : shape) elements *= static_cast<size_t>(d);
  size_t want = elements * DataTypeBytes(static_cast<TF_DataType>(dtype));
  if (want != bytes) {
    Throw(env, where + ": tensor data has " + std::to_string(bytes) + " bytes, its shape and dtype need " + std::to_string(want));
    return nullptr;
  }
  TF_Tensor* tensor = TF_AllocateTensor(static_cast<TF_DataType>(dtype), shape.data(), static_cast<int>(shape.size()), want);
  if (want > 0) std::memcpy(TF_TensorData(tensor), data, want);
  return tensor;
}

napi_value TensorToJs(napi_env env, TF_Tensor* tensor) {
  TF_DataType dtype = TF_TensorType(tensor);
  int dims = TF_NumDims(tensor);
  napi_value result, shape, data, buffer, dtypeValue;
  napi_create_object(env, &result);
  napi_create_array_with_length(env, dims, &shape);
  for (int i = 0; i < dims; ++i) {
    napi_value dim;
    napi_create_int64(env, TF_Dim(tensor, i), &dim);
    napi_set_element(env, shape, i, dim);
  }
  size_t bytes = TF_TensorByteSize(tensor);
  void* target = nullptr;
  napi_create_arraybuffer(env, bytes, &target, &buffer);
  if (bytes > 0) std::memcpy(target, TF_TensorData(tensor), bytes);
  napi_typedarray_type arrayType = napi_float32_array;
  size_t element = 4;
  switch (dtype) {
    case TF_FLOAT: arrayType = napi_float32_array; element = 4; break;
    case TF_INT32: arrayType = napi_int32_array; element = 4; break;
    case TF_INT64: arrayType = napi_bigint64_array; element = 8; break;
    case TF_DOUBLE: arrayType = napi_float64_array; element = 8; break;
    case TF_BOOL: case TF_UINT8: arrayType = napi_uint8_array; element = 1; break;
    default: arrayType = napi_uint8_array; element = 1; break;
  }
  napi_create_typedarray(env, arrayType, bytes / element, buffer, 0, &data);
  napi_create_int32(env, static_cast<int32_t>(dtype), &dtypeValue);
  napi_set_named_property(env, result, "dtype", dtypeValue);
  napi_set_named_property(env, result, "shape", shape);
  napi_set_named_property(env, result, "data", data);
  return result;
}

// newGraph() → Graph
napi_value NewGraph(napi_env env, napi_callback_info) {
  return Wrap(env, kGraph, new Graph{TF_NewGraph()});
}

bool SetAttr(napi_env env, TF_OperationDescription* desc, napi_value attr, const std::string& where) {
  std::string name, kind;
  if (!GetString(env, Property(env, attr, "name"), &name) || !GetString(env, Property(env, attr, "kind"), &kind)) {
    Throw(env, where + ": an attribute needs a name and a kind");
    return false;
  }
  napi_value value = Property(env, attr, "value");
  const std::string at = where + " attribute " + name;
  if (kind == "int") {
    int64_t v;
    if (!GetInt64(env, value, &v)) { Throw(env, at + ": expected an integer"); return false; }
    TF_SetAttrInt(desc, name.c_str(), v);
  } else if (kind == "float") {
    double v;
    if (napi_get_value_double(env, value, &v) != napi_ok) { Throw(env, at + ": expected a number"); return false; }
    TF_SetAttrFloat(desc, name.c_str(), static_cast<float>(v));
  } else if (kind == "bool") {
    bool v;
    if (napi_get_value_bool(env, value, &v) != napi_ok) { Throw(env, at + ": expected a boolean"); return false; }
    TF_SetAttrBool(desc, name.c_str(), v ? 1 : 0);
  } else if (kind == "type") {
    int64_t v;
    if (!GetInt64(env, value, &v)) { Throw(env, at + ": expected a dtype number"); return false; }
    TF_SetAttrType(desc, name.c_str(), static_cast<TF_DataType>(v));
  } else if (kind == "string") {
    std::string v;
    if (!GetString(env, value, &v)) { Throw(env, at + ": expected a string"); return false; }
    TF_SetAttrString(desc, name.c_str(), v.data(), v.size());
  } else if (kind == "shape") {
    if (IsUndefinedOrNull(env, value)) {
      TF_SetAttrShape(desc, name.c_str(), nullptr, -1);
    } else {
      std::vector<int64_t> dims;
      if (!GetInt64List(env, value, &dims)) return false;
      TF_SetAttrShape(desc, name.c_str(), dims.data(), static_cast<int>(dims.size()));
    }
  } else if (kind == "intList") {
    std::vector<int64_t> values;
    if (!GetInt64List(env, value, &values)) return false;
    TF_SetAttrIntList(desc, name.c_str(), values.data(), static_cast<int>(values.size()));
  } else if (kind == "typeList") {
    std::vector<int64_t> values;
    if (!GetInt64List(env, value, &values)) return false;
    std::vector<TF_DataType> cast;
    for (int64_t v : values) cast.push_back(static_cast<TF_DataType>(v));
    TF_SetAttrTypeList(desc, name.c_str(), cast.data(), static_cast<int>(cast.size()));
  } else if (kind == "tensor") {
    TF_Tensor* tensor = TensorFromJs(env, value, at);
    if (tensor == nullptr) return false;
    TF_Status* status = TF_NewStatus();
    TF_SetAttrTensor(desc, name.c_str(), tensor, status);
    TF_DeleteTensor(tensor);
    bool ok = TF_GetCode(status) == TF_OK;
    if (!ok) Throw(env, at + ": " + TF_Message(status));
    TF_DeleteStatus(status);
    return ok;
  } else {
    Throw(env, at + ": unknown attribute kind " + kind);
    return false;
  }
  return true;
}

// addOperation(graph, type, name, inputs, attrs, controlInputs) → Operation
// inputs: each an output [op, index] or an array of outputs (a list input).
napi_value AddOperation(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 6);
  Graph* graph = static_cast<Graph*>(Unwrap(env, args[0], kGraph, "graph"));
  if (graph == nullptr) return nullptr;
  std::string type, name;
  if (!GetString(env, args[1], &type) || !GetString(env, args[2], &name)) return Throw(env, "addOperation: type and name must be strings");
  const std::string where = type + " \"" + name + "\"";
  TF_OperationDescription* desc = TF_NewOperation(graph->graph, type.c_str(), name.c_str());
  uint32_t inputCount = ArrayLength(env, args[3]);
  for (uint32_t i = 0; i < inputCount; ++i) {
    napi_value input = Element(env, args[3], i);
    napi_value first = ArrayLength(env, input) > 0 ? Element(env, input, 0) : nullptr;
    bool isList = false;
    if (first != nullptr) napi_is_array(env, first, &isList);
    if (ArrayLength(env, input) == 0) isList = true;
    if (isList) {
      std::vector<TF_Output> list;
      if (!GetOutputs(env, input, &list)) return nullptr;
      TF_AddInputList(desc, list.data(), static_cast<int>(list.size()));
    } else {
      TF_Output output;
      if (!GetOutput(env, input, &output)) return nullptr;
      TF_AddInput(desc, output);
    }
  }
  uint32_t attrCount = ArrayLength(env, args[4]);
  for (uint32_t i = 0; i < attrCount; ++i) {
    if (!SetAttr(env, desc, Element(env, args[4], i), where)) return nullptr;
  }
  if (!IsUndefinedOrNull(env, args[5])) {
    uint32_t controlCount = ArrayLength(env, args[5]);
    for (uint32_t i = 0; i < controlCount; ++i) {
      void* op = Unwrap(env, Element(env, args[5], i), kOperation, "operation");
      if (op == nullptr) return nullptr;
      TF_AddControlInput(desc, static_cast<TF_Operation*>(op));
    }
  }
  TF_Status* status = TF_NewStatus();
  TF_Operation* op = TF_FinishOperation(desc, status);
  if (TF_GetCode(status) != TF_OK) {
    std::string message = where + ": " + TF_Message(status);
    TF_DeleteStatus(status);
    return Throw(env, message);
  }
  TF_DeleteStatus(status);
  return Wrap(env, kOperation, op);
}

// operationInfo(op) → { name, type, numOutputs }
napi_value OperationInfo(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 1);
  TF_Operation* op = static_cast<TF_Operation*>(Unwrap(env, args[0], kOperation, "operation"));
  if (op == nullptr) return nullptr;
  napi_value result, name, type, outputs;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, TF_OperationName(op), NAPI_AUTO_LENGTH, &name);
  napi_create_string_utf8(env, TF_OperationOpType(op), NAPI_AUTO_LENGTH, &type);
  napi_create_int32(env, TF_OperationNumOutputs(op), &outputs);
  napi_set_named_property(env, result, "name", name);
  napi_set_named_property(env, result, "type", type);
  napi_set_named_property(env, result, "numOutputs", outputs);
  return result;
}

// outputShape(graph, output) → { dtype, shape: number[] | null } (-1 for unknown dims)
napi_value OutputShape(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 2);
  Graph* graph = static_cast<Graph*>(Unwrap(env, args[0], kGraph, "graph"));
  if (graph == nullptr) return nullptr;
  TF_Output output;
  if (!GetOutput(env, args[1], &output)) return nullptr;
  TF_Status* status = TF_NewStatus();
  int dims = TF_GraphGetTensorNumDims(graph->graph, output, status);
  std::vector<int64_t> shape(dims > 0 ? dims : 0);
  if (TF_GetCode(status) == TF_OK && dims > 0) TF_GraphGetTensorShape(graph->graph, output, shape.data(), dims, status);
  if (TF_GetCode(status) != TF_OK) {
    std::string message = std::string("outputShape: ") + TF_Message(status);
    TF_DeleteStatus(status);
    return Throw(env, message);
  }
  TF_DeleteStatus(status);
  napi_value result, dtype, shapeValue;
  napi_create_object(env, &result);
  napi_create_int32(env, static_cast<int32_t>(TF_OperationOutputType(output)), &dtype);
  if (dims < 0) {
    napi_get_null(env, &shapeValue);
  } else {
    napi_create_array_with_length(env, dims, &shapeValue);
    for (int i = 0; i < dims; ++i) {
      napi_value dim;
      napi_create_int64(env, shape[i], &dim);
      napi_set_element(env, shapeValue, i, dim);
    }
  }
  napi_set_named_property(env, result, "dtype", dtype);
  napi_set_named_property(env, result, "shape", shapeValue);
  return result;
}

// addGradients(graph, prefix, ys, xs, dys | null) → (output | null)[]
napi_value AddGradients(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 5);
  Graph* graph = static_cast<Graph*>(Unwrap(env, args[0], kGraph, "graph"));
  if (graph == nullptr) return nullptr;
  std::string prefix;
  if (!GetString(env, args[1], &prefix)) return Throw(env, "addGradients: prefix must be a string");
  std::vector<TF_Output> ys, xs, dys;
  if (!GetOutputs(env, args[2], &ys) || !GetOutputs(env, args[3], &xs)) return nullptr;
  bool hasDys = !IsUndefinedOrNull(env, args[4]);
  if (hasDys && !GetOutputs(env, args[4], &dys)) return nullptr;
  std::vector<TF_Output> dxs(xs.size());
  TF_Status* status = TF_NewStatus();
  TF_AddGradientsWithPrefix(graph->graph, prefix.c_str(), ys.data(), static_cast<int>(ys.size()), xs.data(), static_cast<int>(xs.size()),
                            hasDys ? dys.data() : nullptr, status, dxs.data());
  if (TF_GetCode(status) != TF_OK) {
    std::string message = std::string("addGradients: ") + TF_Message(status);
    TF_DeleteStatus(status);
    return Throw(env, message);
  }
  TF_DeleteStatus(status);
  napi_value result;
  napi_create_array_with_length(env, dxs.size(), &result);
  for (size_t i = 0; i < dxs.size(); ++i) {
    napi_value entry;
    if (dxs[i].oper == nullptr) {
      napi_get_null(env, &entry);
    } else {
      napi_value op = Wrap(env, kOperation, dxs[i].oper), index;
      napi_create_int32(env, dxs[i].index, &index);
      napi_create_array_with_length(env, 2, &entry);
      napi_set_element(env, entry, 0, op);
      napi_set_element(env, entry, 1, index);
    }
    napi_set_element(env, result, static_cast<uint32_t>(i), entry);
  }
  return result;
}

// newSession(graph, configProto: Uint8Array | null) → Session
// reluGradsFromOutputs(graph) → how many ReluGrad ops now read their Relu's output.
// TensorFlow's C++ gradient of Relu (cc/gradients/nn_grad.cc) feeds ReluGrad the
// Relu's input, where Python's feeds its output. ReluGrad gives the same values
// from either (features > 0 exactly where relu(features) > 0), but a second
// reader of the pre-activation stops Grappler fusing Conv2D + BiasAdd + Relu
// into one oneDNN kernel, as Keras's graphs get. Each ReluGrad whose features
// are a Relu's input is rewired to that Relu's output.
napi_value ReluGradsFromOutputs(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 1);
  Graph* graph = static_cast<Graph*>(Unwrap(env, args[0], kGraph, "graph"));
  if (graph == nullptr) return nullptr;
  std::vector<TF_Operation*> grads;
  size_t position = 0;
  for (TF_Operation* op; (op = TF_GraphNextOperation(graph->graph, &position)) != nullptr;) {
    if (std::string(TF_OperationOpType(op)) == "ReluGrad") grads.push_back(op);
  }
  int rewired = 0;
  TF_Status* status = TF_NewStatus();
  for (TF_Operation* grad : grads) {
    TF_Output features = TF_OperationInput(TF_Input{grad, 1});
    int count = TF_OperationOutputNumConsumers(features);
    std::vector<TF_Input> consumers(count);
    TF_OperationOutputConsumers(features, consumers.data(), count);
    for (const TF_Input& consumer : consumers) {
      if (consumer.index != 0 || std::string(TF_OperationOpType(consumer.oper)) != "Relu") continue;
      TF_UpdateEdge(graph->graph, TF_Output{consumer.oper, 0}, TF_Input{grad, 1}, status);
      if (TF_GetCode(status) != TF_OK) {
        std::string message = std::string("reluGradsFromOutputs: ") + TF_Message(status);
        TF_DeleteStatus(status);
        return Throw(env, message);
      }
      ++rewired;
      break;
    }
  }
  TF_DeleteStatus(status);
  napi_value result;
  napi_create_int32(env, rewired, &result);
  return result;
}

napi_value NewSession(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 2);
  Graph* graph = static_cast<Graph*>(Unwrap(env, args[0], kGraph, "graph"));
  if (graph == nullptr) return nullptr;
  TF_Status* status = TF_NewStatus();
  TF_SessionOptions* options = TF_NewSessionOptions();
  if (!IsUndefinedOrNull(env, args[1])) {
    void* proto = nullptr;
    size_t bytes = 0;
    if (!GetTypedArrayBytes(env, args[1], &proto, &bytes)) {
      TF_DeleteSessionOptions(options);
      TF_DeleteStatus(status);
      return nullptr;
    }
    TF_SetConfig(options, proto, bytes, status);
  }
  TF_Session* session = TF_GetCode(status) == TF_OK ? TF_NewSession(graph->graph, options, status) : nullptr;
  TF_DeleteSessionOptions(options);
  if (TF_GetCode(status) != TF_OK) {
    std::string message = std::string("newSession: ") + TF_Message(status);
    TF_DeleteStatus(status);
    return Throw(env, message);
  }
  TF_DeleteStatus(status);
  return Wrap(env, kSession, new Session{session, graph->graph, 0});
}

// One SessionRun's arguments, owned by C++ so the run can happen off the JS thread.
struct RunCall {
  Session* session = nullptr;
  std::vector<TF_Output> feeds;
  std::vector<TF_Tensor*> feedValues;
  std::vector<TF_Output> fetches;
  std::vector<TF_Tensor*> fetchValues;
  std::vector<TF_Operation*> targets;
  TF_Status* status = TF_NewStatus();
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  // Serialized RunOptions (tracing) and the RunMetadata it produces; null when not tracing.
  TF_Buffer* runOptions = nullptr;
  TF_Buffer* runMetadata = nullptr;

  ~RunCall() {
    for (TF_Tensor* t : feedValues) if (t) TF_DeleteTensor(t);
    for (TF_Tensor* t : fetchValues) if (t) TF_DeleteTensor(t);
    if (runOptions) TF_DeleteBuffer(runOptions);
    if (runMetadata) TF_DeleteBuffer(runMetadata);
    TF_DeleteStatus(status);
  }

  void Run() {
    fetchValues.assign(fetches.size(), nullptr);
    TF_SessionRun(session->session, runOptions, feeds.data(), feedValues.data(), static_cast<int>(feeds.size()), fetches.data(),
                  fetchValues.data(), static_cast<int>(fetches.size()), targets.data(), static_cast<int>(targets.size()), runMetadata, status);
  }
};

// Parses (session, feeds: [output, tensor][], fetches: output[], targets: op[]).
RunCall* ParseRun(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 4);
  Session* session = static_cast<Session*>(Unwrap(env, args[0], kSession, "session"));
  if (session == nullptr) return nullptr;
  if (session->session == nullptr) {
    Throw(env, "sessionRun: the session is closed");
    return nullptr;
  }
  RunCall* call = new RunCall();
  call->session = session;
  uint32_t feedCount = ArrayLength(env, args[1]);
  for (uint32_t i = 0; i < feedCount; ++i) {
    napi_value pair = Element(env, args[1], i);
    TF_Output output;
    if (!GetOutput(env, Element(env, pair, 0), &output)) { delete call; return nullptr; }
    TF_Tensor* tensor = TensorFromJs(env, Element(env, pair, 1), std::string("feed ") + TF_OperationName(output.oper));
    if (tensor == nullptr) { delete call; return nullptr; }
    call->feeds.push_back(output);
    call->feedValues.push_back(tensor);
  }
  if (!GetOutputs(env, args[2], &call->fetches)) { delete call; return nullptr; }
  uint32_t targetCount = ArrayLength(env, args[3]);
  for (uint32_t i = 0; i < targetCount; ++i) {
    void* op = Unwrap(env, Element(env, args[3], i), kOperation, "operation");
    if (op == nullptr) { delete call; return nullptr; }
    call->targets.push_back(static_cast<TF_Operation*>(op));
  }
  return call;
}

napi_value RunResult(napi_env env, RunCall* call, bool* failed) {
  if (TF_GetCode(call->status) != TF_OK) {
    *failed = true;
    napi_value message, error;
    std::string text = std::string("sessionRun: ") + TF_Message(call->status);
    napi_create_string_utf8(env, text.c_str(), text.size(), &message);
    napi_create_error(env, nullptr, message, &error);
    return error;
  }
  *failed = false;
  napi_value result;
  napi_create_array_with_length(env, call->fetchValues.size(), &result);
  for (size_t i = 0; i < call->fetchValues.size(); ++i) {
    napi_set_element(env, result, static_cast<uint32_t>(i), TensorToJs(env, call->fetchValues[i]));
  }
  return result;
}

// sessionRun(session, feeds, fetches, targets) → tensors (blocks the JS thread)
napi_value SessionRun(napi_env env, napi_callback_info info) {
  RunCall* call = ParseRun(env, info);
  if (call == nullptr) return nullptr;
  if (call->session->running > 0) {
    delete call;
    return Throw(env, "sessionRun: the session is already running a step");
  }
  call->Run();
  bool failed = false;
  napi_value result = RunResult(env, call, &failed);
  delete call;
  if (failed) {
    napi_throw(env, result);
    return nullptr;
  }
  return result;
}

void ExecuteRun(napi_env, void* data) { static_cast<RunCall*>(data)->Run(); }

void CompleteRun(napi_env env, napi_status, void* data) {
  RunCall* call = static_cast<RunCall*>(data);
  call->session->running -= 1;
  bool failed = false;
  napi_value result = RunResult(env, call, &failed);
  if (failed) napi_reject_deferred(env, call->deferred, result);
  else napi_resolve_deferred(env, call->deferred, result);
  napi_delete_async_work(env, call->work);
  delete call;
}

// sessionRunTraced(session, feeds, fetches, targets, runOptions: Uint8Array) → Uint8Array (serialized RunMetadata)
napi_value SessionRunTraced(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 5);
  void* proto = nullptr;
  size_t bytes = 0;
  if (!GetTypedArrayBytes(env, args[4], &proto, &bytes)) return nullptr;
  RunCall* call = ParseRun(env, info);
  if (call == nullptr) return nullptr;
  call->runOptions = TF_NewBufferFromString(proto, bytes);
  call->runMetadata = TF_NewBuffer();
  call->Run();
  if (TF_GetCode(call->status) != TF_OK) {
    std::string message = std::string("sessionRunTraced: ") + TF_Message(call->status);
    delete call;
    return Throw(env, message);
  }
  napi_value buffer, result;
  void* target = nullptr;
  napi_create_arraybuffer(env, call->runMetadata->length, &target, &buffer);
  if (call->runMetadata->length > 0) std::memcpy(target, call->runMetadata->data, call->runMetadata->length);
  napi_create_typedarray(env, napi_uint8_array, call->runMetadata->length, buffer, 0, &result);
  delete call;
  return result;
}

// sessionRunAsync(...) → Promise<tensors>; runs on libuv's thread pool.
napi_value SessionRunAsync(napi_env env, napi_callback_info info) {
  RunCall* call = ParseRun(env, info);
  if (call == nullptr) return nullptr;
  if (call->session->running > 0) {
    delete call;
    return Throw(env, "sessionRunAsync: the session is already running a step");
  }
  napi_value promise, name;
  CHECK_NAPI(env, napi_create_promise(env, &call->deferred, &promise));
  napi_create_string_utf8(env, "kdlab.sessionRun", NAPI_AUTO_LENGTH, &name);
  CHECK_NAPI(env, napi_create_async_work(env, nullptr, name, ExecuteRun, CompleteRun, call, &call->work));
  call->session->running += 1;
  CHECK_NAPI(env, napi_queue_async_work(env, call->work));
  return promise;
}

// closeSession(session): frees the session's resources now instead of at GC.
napi_value CloseSession(napi_env env, napi_callback_info info) {
  std::vector<napi_value> args = Args(env, info, 1);
  Session* session = static_cast<Session*>(Unwrap(env, args[0], kSession, "session"));
  if (session == nullptr) return nullptr;
  if (session->running > 0) return Throw(env, "closeSession: a step is still running");
  if (session->session != nullptr) {
    TF_Status* status = TF_NewStatus();
    TF_CloseSession(session->session, status);
    TF_DeleteSession(session->session, status);
    TF_DeleteStatus(status);
    session->session = nullptr;
  }
  return nullptr;
}

napi_value Version(napi_env env, napi_callback_info) {
  napi_value value;
  napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &value);
  return value;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"newGraph", nullptr, NewGraph, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addOperation", nullptr, AddOperation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"operationInfo", nullptr, OperationInfo, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"outputShape", nullptr, OutputShape, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addGradients", nullptr, AddGradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGradsFromOutputs", nullptr, ReluGradsFromOutputs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"newSession", nullptr, NewSession, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sessionRun", nullptr, SessionRun, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sessionRunAsync", nullptr, SessionRunAsync, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sessionRunTraced", nullptr, SessionRunTraced, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeSession", nullptr, CloseSession, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
