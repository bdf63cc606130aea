#pragma once
// One accepted connection of the HTTP server: reading requests under their timeouts, handing them
// to the handler, writing the answers in order, and closing.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "runtime/http/server_state.hpp"

namespace hubrules::runtime::http {

// A connection over `socket` (whose executor is the connection's strand); HTTPS when `tls` is
// set. Not started yet: add it to the state's registry, then call start().
std::shared_ptr<ConnectionBase> make_connection(std::shared_ptr<ServerState> state, boost::asio::ip::tcp::socket socket,
                                                boost::asio::ssl::context* tls);

}  // namespace hubrules::runtime::http
