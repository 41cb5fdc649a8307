# cmake -DHEADER=a.md -DBODY=b.md -DOUT=c.md -P concat.cmake
file(READ ${HEADER} header)
file(READ ${BODY} body)
file(WRITE ${OUT} "${header}${body}")
