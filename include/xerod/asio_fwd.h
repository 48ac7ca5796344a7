// SPDX-License-Identifier: MIT
//
// boost::asio::io_context by name only, for headers that take one by
// reference: their includers need not compile Asio. A .cc that calls the
// io_context includes <boost/asio/io_context.hpp> itself.
#pragma once

namespace boost::asio {
class io_context;
}  // namespace boost::asio
