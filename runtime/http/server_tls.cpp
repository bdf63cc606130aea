#include "runtime/http/server_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/error.hpp>

#include <fstream>
#include <stdexcept>

namespace hubrules::runtime::http {

namespace {

namespace ssl = boost::asio::ssl;

[[noreturn]] void fail(const std::string& what, const std::string& file, const std::string& why) {
  throw std::runtime_error("http server: " + what + " " + file + ": " + why);
}

// OpenSSL's own message for a missing file is "system lib"; say it plainly first.
void require_readable(const std::string& what, const std::string& file) {
  if (!std::ifstream(file).good()) fail("cannot open the TLS " + what, file, "no such file, or not readable");
}

// OpenSSL refuses a key that does not belong to the loaded certificate while loading it.
bool is_key_mismatch(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return false;
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  return reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH;
}

}  // namespace

std::unique_ptr<ssl::context> make_server_tls(const std::string& cert_file, const std::string& key_file) {
  require_readable("certificate chain", cert_file);
  require_readable("private key", key_file);
  auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  // An encrypted key must fail to load, not make OpenSSL prompt on the terminal of a service.
  tls->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
  boost::system::error_code ec;
  tls->use_certificate_chain_file(cert_file, ec);
  if (ec) fail("cannot read the TLS certificate chain from", cert_file, ec.message());
  tls->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && is_key_mismatch(ec)) fail("the TLS private key in", key_file, "does not match the certificate");
  if (ec) fail("cannot read the TLS private key from", key_file, ec.message());
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    fail("the TLS private key does not match the certificate in", cert_file, "key values mismatch");
  }
  return tls;
}

}  // namespace hubrules::runtime::http
