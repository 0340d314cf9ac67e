#include "arrax/device.h"

#include "arrax/backend/backend.h"
#include "arrax/errors.h"

namespace arrax {

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device::cpu();
  std::string kind = s, idx;
  auto colon = s.find(':');
  if (colon != std::string::npos) {
    kind = s.substr(0, colon);
    idx = s.substr(colon + 1);
  }
  if (kind == "cuda" || kind == "gpu") {
    int i = 0;
    if (!idx.empty()) {
      try {
        size_t used = 0;
        i = std::stoi(idx, &used);
        if (used != idx.size() || i < 0) throw std::invalid_argument(idx);
      } catch (const std::exception&) {
        throw ValueError("[device] invalid device string '" + s + "'");
      }
    }
    return Device::cuda(i);
  }
  throw ValueError("[device] invalid device string '" + s +
                   "': expected 'cpu', 'cuda' or 'cuda:N'");
}

namespace {
Device& default_device_ref() {
  static Device d = backend_available(Device::Type::CUDA) ? Device::cuda(0)
                                                          : Device::cpu();
  return d;
}
}  // namespace

Device default_device() { return default_device_ref(); }
void set_default_device(Device d) {
  if (d.is_cuda() && !backend_available(Device::Type::CUDA))
    throw ValueError("[set_default_device] CUDA is not available");
  default_device_ref() = d;
}

}  // namespace arrax
