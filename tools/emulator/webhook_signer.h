#pragma once

/// @file webhook_signer.h
/// Signs webhook bodies the way Wix does: a compact JWS, RS256, whose `data` claim is the event
/// envelope as a JSON string. Used by the emulator to deliver webhooks, and by tests.

#include <memory>
#include <string>

namespace wix::backinstock::emulator {

class WebhookSigner {
 public:
  /// A fresh 2048-bit RSA key pair.
  static WebhookSigner generate();
  /// From a PEM private key (PKCS#8 or traditional RSA). Throws `std::runtime_error`.
  explicit WebhookSigner(const std::string& private_key_pem);

  /// The SPKI public key, PEM, as the app dashboard shows it.
  std::string public_key_pem() const;
  std::string private_key_pem() const;

  /// `base64url(header).base64url(payload).base64url(RS256 signature)`; `header` and `payload` are
  /// JSON texts, signed as given.
  std::string sign(const std::string& header, const std::string& payload) const;

  /// A webhook body for one event: `domain_event` and `identity` are JSON texts, nested as strings
  /// inside the envelope, which is nested as a string in the `data` claim. `exp` is seconds since
  /// the epoch (0: omitted).
  std::string sign_event(const std::string& event_type, const std::string& instance_id,
                         const std::string& domain_event, const std::string& identity,
                         long long iat, long long exp) const;

 private:
  struct Key;
  explicit WebhookSigner(std::shared_ptr<Key> key);
  std::shared_ptr<Key> key_;
};

/// base64url without padding.
std::string base64url(const std::string& data);

}  // namespace wix::backinstock::emulator
