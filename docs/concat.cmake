# cmake -DHEADER=a.md "-DBODY=b.md;c.md" -DOUT=out.md -P concat.cmake
file(READ ${HEADER} text)
foreach(body ${BODY})
  file(READ ${body} part)
  string(APPEND text "${part}")
endforeach()
file(WRITE ${OUT} "${text}")
