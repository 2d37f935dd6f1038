#include "webhook_signer.h"

#include "encoding.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace wix::backinstock::emulator {

struct WebhookSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {
std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}
}  // namespace

std::string base64url(const std::string& data) { return internal::base64url_encode(data); }

WebhookSigner::WebhookSigner(std::shared_ptr<Key> key) : key_(std::move(key)) {}

WebhookSigner WebhookSigner::generate() {
  auto key = std::make_shared<Key>();
  key->pkey = EVP_RSA_gen(2048);
  if (key->pkey == nullptr) throw std::runtime_error("cannot generate an RSA key");
  return WebhookSigner(std::move(key));
}

WebhookSigner::WebhookSigner(const std::string& private_key_pem) : key_(std::make_shared<Key>()) {
  BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  if (bio != nullptr) key_->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key_->pkey == nullptr) throw std::runtime_error("cannot read the webhook private key");
}

std::string WebhookSigner::public_key_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_->pkey);
  return bio_text(bio);
}

std::string WebhookSigner::private_key_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key_->pkey, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio);
}

std::string WebhookSigner::sign(const std::string& header, const std::string& payload) const {
  std::string input = base64url(header) + "." + base64url(payload);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t size = 0;
  std::string signature;
  bool ok = ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &size,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  if (ok) {
    signature.resize(size);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    signature.resize(size);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("RS256 signing failed");
  return input + "." + base64url(signature);
}

std::string WebhookSigner::sign_event(const std::string& event_type, const std::string& instance_id,
                                      const std::string& domain_event, const std::string& identity,
                                      long long iat, long long exp) const {
  nlohmann::ordered_json envelope = {{"instanceId", instance_id},
                                     {"eventType", event_type},
                                     {"identity", identity},
                                     {"data", domain_event}};
  nlohmann::ordered_json claims = {{"data", envelope.dump()}, {"iat", iat}};
  if (exp != 0) claims["exp"] = exp;
  return sign(R"({"alg":"RS256","typ":"JWT"})", claims.dump());
}

}  // namespace wix::backinstock::emulator
