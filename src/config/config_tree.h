// SPDX-License-Identifier: MIT
//
// Fills a Config from a parsed YAML document, reporting every problem to the
// Reader. Private to src/config/: config_loader.cc owns file reading and YAML
// parsing, config_tree.cc the top level and small sections, config_xero.cc,
// config_mail.cc (smtp, notify) and config_connections.cc the larger sections.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/yaml_reader.h"
#include "xerod/config.h"

namespace xerod::config {

// Reads the whole document `root` (a map, or null for "all defaults") into `config`.
void ReadConfigTree(Reader& r, const YAML::Node& root, Config& config);

// Sections (each called with the section's non-null node and key path).
void ReadXero(Reader& r, const YAML::Node& node, const std::string& path, XeroConfig& xero);
void ReadSmtp(Reader& r, const YAML::Node& key, const YAML::Node& node, const std::string& path,
              SmtpConfig& smtp);
void ReadNotify(Reader& r, const YAML::Node& node, const std::string& path, NotifyConfig& notify);
void ReadConnections(Reader& r, const YAML::Node& node, const std::string& path,
                     std::map<std::string, ConnectionSettings>& connections);

// Shared value checks.
// A secret reference: checked with LoadSecret (exists, mode, not empty); the value
// is discarded at once and never appears in a message.
void CheckSecretRef(Reader& r, const YAML::Node& node, const std::string& path,
                    const std::string& ref);
// A CA bundle (xero.ca_file, smtp.ca_file): an absolute path to a readable file;
// nothing for "" (the system store only).
std::optional<std::string> ReadCaFile(Reader& r, const YAML::Node& v, const std::string& p);
// A bare e-mail address.
std::optional<std::string> ReadEmail(Reader& r, const YAML::Node& node, const std::string& path);
// A list of bare e-mail addresses without duplicates.
std::vector<std::string> ReadEmailList(Reader& r, const YAML::Node& node, const std::string& path);

}  // namespace xerod::config
