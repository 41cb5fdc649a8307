//===- RuntimeHeaderCheckTest.cpp - The C header compiles as C ------------===//

#include <gtest/gtest.h>

extern "C" int zenRuntimeHeaderCheck(void);

TEST(HeaderCheckTest, CallableFromC) { EXPECT_EQ(zenRuntimeHeaderCheck(), 0); }
