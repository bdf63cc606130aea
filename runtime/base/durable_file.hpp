#pragma once
// Files that are whole or absent, even after a crash or a power cut: written to a temporary
// name, synced, then published under their own name and the folder synced. The error outbox
// and `schema pull` write this way; a reader never sees half a file.
#include <filesystem>
#include <string_view>
#include <sys/types.h>

namespace hubrules::runtime {

// Creates `temp` (it must not exist), writes `content`, syncs it. On failure nothing is left.
// Throws std::system_error naming the file.
void write_synced(const std::filesystem::path& temp, std::string_view content, mode_t mode = 0600);
// Syncs a folder's entries (best effort: a folder that cannot be opened is skipped).
void sync_directory(const std::filesystem::path& dir);
// Replaces `path` with `content` atomically (a temporary beside it, then rename).
void replace_file(const std::filesystem::path& path, std::string_view content, mode_t mode = 0600);

}  // namespace hubrules::runtime
