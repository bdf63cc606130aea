#pragma once
// The server's TLS context, made from the certificate chain and key in PEM files.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace hubrules::runtime::http {

// TLS 1.2 and later. Throws std::runtime_error naming the file and OpenSSL's reason when a file
// cannot be read, holds no certificate or key, or the key does not belong to the certificate;
// the message never quotes the files' contents.
std::unique_ptr<boost::asio::ssl::context> make_server_tls(const std::string& cert_file, const std::string& key_file);

}  // namespace hubrules::runtime::http
