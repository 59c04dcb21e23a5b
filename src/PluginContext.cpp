#include "PluginContext.h"

namespace
{
OrthancPluginContext* context_ = nullptr;
}

OrthancPluginContext* PluginContext()
{
  return context_;
}

void SetPluginContext(OrthancPluginContext* context)
{
  context_ = context;
}
