# xerod_embed_text(OUT_CC NAMESPACE ns SYMBOL name FILES a.sql b.sql)
# Generates a .cc defining `extern const std::array<EmbeddedFile, N> ns::name`
# holding the given text files, so schemas ship inside the binary.
function(xerod_embed_text out_cc)
  cmake_parse_arguments(E "" "NAMESPACE;SYMBOL" "FILES" ${ARGN})
  # Keep the list one argument: a bare ";" would split it into separate words.
  string(REPLACE ";" "$<SEMICOLON>" files_arg "${E_FILES}")
  set(gen ${CMAKE_COMMAND} -DOUT=${out_cc} -DNS=${E_NAMESPACE} -DSYM=${E_SYMBOL}
      "-DFILES=${files_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake)
  add_custom_command(OUTPUT ${out_cc} COMMAND ${gen}
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${E_SYMBOL}" VERBATIM)
endfunction()
