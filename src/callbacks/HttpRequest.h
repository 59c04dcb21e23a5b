// Python views of an HTTP request, shared by the REST callbacks and the
// incoming-request filter.  The GIL must be held.
#pragma once

#include "../PyRef.h"
#include "PythonCall.h"

#include <orthanc/OrthancCPlugin.h>

// "GET", "POST", "PUT" or "DELETE".
const char* HttpMethodName(OrthancPluginHttpMethod method);

// {keys[i]: values[i]} as str -> str; empty PyRef with an exception on failure.
PyRef DictFromPairs(uint32_t count, const char* const* keys, const char* const* values);

// Sets `dict[key] = value` and drops the reference to `value`; false on error.
bool SetItem(PyObject* dict, const char* key, PyRef value);

// The keyword arguments of a REST callback: 'method' ("GET"...), 'groups',
// 'headers', 'get' (GET only) and, if withBody, 'body' (POST and PUT only);
// empty names (with an exception set) on failure.
Keywords RestRequestKeywords(const OrthancPluginHttpRequest* request, bool withBody);
