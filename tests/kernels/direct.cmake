# direct.cmake — tests of the conv2d direct / spatial-pack template (kernels/templates/direct.c).
# Included by tests/kernels/CMakeLists.txt, which provides qt_add_kernel_test and
# qt_kernel_instance. Its knob space (schedules/direct.c) is tested by test_conv_space
# (gemm.cmake) and by test_direct_space (below).
#
# test_direct: the template instantiated with runtime shapes for configs that together cover
# every value of every knob (ocb 4/8/16/32, th 1/2, tw 1/2/4/8, order hwc/hcw, ku 1/2/4, pad
# inline/prepad/strips, rq tile/row/pass, isa c/avx2/avx512vnni/neon/neondot), and every value
# of every other knob under each isa value (the ocb values that isa takes), each swept over the
# conv2d edge shapes, direct's own edge shapes and a few MobileNetV2-sized layers, both dtypes
# (s8 only for avx512vnni/neondot) and both requant schemes, bit-exact against the reference.
# Host and cross (qemu) alike. Keep these lists and test_direct.c's table in step. ISA values:
# the "__<isa>_" entries are built with that ISA's flags (x86 ones on x86-64, Arm ones on
# aarch64; test_direct skips them on a CPU without the feature, e.g. neondot under qemu -cpu
# cortex-a53), the "__<isa>_twin_" entries without, so they run the micro-kernel's plain C
# twin (everywhere, qemu included).
qt_add_kernel_test(test_direct test_direct.c)
set(direct_isa_flags_0 "")
set(direct_isa_flags_1 -mavx2)
set(direct_isa_flags_2 -mavx512f -mavx512bw -mavx512vnni)
set(direct_isa_flags_3 "")
set(direct_isa_flags_4 -march=armv8.2-a+dotprod)
set(direct_cfgs
    # prefix                                          OCB TH TW ORDER KU PAD RQ ISA FLAGS
    "qt_direct_1x4c16_hwc_ku1_strips_tile__c_          16 1  4  0     1  2   0  0   0"
    "qt_direct_2x1c4_hcw_ku2_inline_row__c_            4  2  1  1     2  0   1  0   0"
    "qt_direct_1x8c8_hwc_ku4_prepad_pass__c_           8  1  8  0     4  1   2  0   0"
    "qt_direct_2x2c32_hcw_ku1_strips_row__c_           32 2  2  1     1  2   1  0   0"
    "qt_direct_2x8c16_hwc_ku2_prepad_tile__c_          16 2  8  0     2  1   0  0   0"
    "qt_direct_1x2c8_hcw_ku4_inline_pass__c_           8  1  2  1     4  0   2  0   0"
    "qt_direct_1x1c32_hwc_ku2_prepad_row__c_           32 1  1  0     2  1   1  0   0"
    "qt_direct_2x4c4_hwc_ku4_strips_pass__c_           4  2  4  0     4  2   2  0   0"
    "qt_direct_1x2c16_hcw_ku1_prepad_tile__c_          16 1  2  1     1  1   0  0   0"
    "qt_direct_2x4c8_hcw_ku1_inline_tile__c_           8  2  4  1     1  0   0  0   0"
    "qt_direct_2x4c8_hcw_ku2_prepad_tile__avx2_twin_   8  2  4  1     2  1   0  1   0"
    "qt_direct_1x2c32_hwc_ku4_inline_pass__avx2_twin_  32 1  2  0     4  0   2  1   0"
    "qt_direct_2x4c32_hwc_ku1_inline_pass__avx512vnni_twin_ 32 2 4 0  1  0   2  2   0"
    "qt_direct_1x2c16_hcw_ku4_strips_tile__avx512vnni_twin_ 16 1 2 1  4  2   0  2   0"
    "qt_direct_2x4c8_hwc_ku2_strips_pass__neon_twin_   8  2  4  0     2  2   2  3   0"
    "qt_direct_1x1c16_hcw_ku1_inline_tile__neon_twin_  16 1  1  1     1  0   0  3   0"
    "qt_direct_2x8c4_hcw_ku4_inline_row__neondot_twin_ 4  2  8  1     4  0   1  4   0"
    "qt_direct_1x2c32_hwc_ku2_prepad_pass__neondot_twin_ 32 1 2 0     2  1   2  4   0")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  target_compile_definitions(test_direct PRIVATE QT_TEST_X86_ISA=1)
  list(APPEND direct_cfgs
    "qt_direct_1x8c8_hwc_ku1_strips_tile__avx2_        8  1  8  0     1  2   0  1   1"
    "qt_direct_2x1c32_hcw_ku2_inline_row__avx2_        32 2  1  1     2  0   1  1   1"
    "qt_direct_1x4c16_hwc_ku4_prepad_pass__avx2_       16 1  4  0     4  1   2  1   1"
    "qt_direct_2x2c16_hcw_ku1_strips_row__avx2_        16 2  2  1     1  2   1  1   1"
    "qt_direct_1x8c32_hwc_ku1_strips_tile__avx512vnni_ 32 1  8  0     1  2   0  2   1"
    "qt_direct_2x4c16_hcw_ku2_inline_row__avx512vnni_  16 2  4  1     2  0   1  2   1"
    "qt_direct_1x1c32_hwc_ku4_prepad_pass__avx512vnni_ 32 1  1  0     4  1   2  2   1"
    "qt_direct_2x2c16_hcw_ku1_strips_row__avx512vnni_  16 2  2  1     1  2   1  2   1"
    "qt_direct_2x8c16_hwc_ku2_prepad_tile__avx512vnni_ 16 2  8  0     2  1   0  2   1")
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  target_compile_definitions(test_direct PRIVATE QT_TEST_ARM_ISA=1)
  list(APPEND direct_cfgs
    "qt_direct_1x8c8_hwc_ku1_strips_tile__neon_        8  1  8  0     1  2   0  3   1"
    "qt_direct_2x1c32_hcw_ku2_inline_row__neon_        32 2  1  1     2  0   1  3   1"
    "qt_direct_2x2c16_hwc_ku4_prepad_pass__neon_       16 2  2  0     4  1   2  3   1"
    "qt_direct_1x4c16_hcw_ku1_strips_row__neon_        16 1  4  1     1  2   1  3   1"
    "qt_direct_1x8c4_hwc_ku1_strips_tile__neondot_     4  1  8  0     1  2   0  4   1"
    "qt_direct_2x1c32_hcw_ku2_inline_row__neondot_     32 2  1  1     2  0   1  4   1"
    "qt_direct_2x2c8_hwc_ku4_prepad_pass__neondot_     8  2  2  0     4  1   2  4   1"
    "qt_direct_1x4c16_hcw_ku1_strips_row__neondot_     16 1  4  1     1  2   1  4   1")
endif()
foreach(cfg IN LISTS direct_cfgs)
  string(REGEX REPLACE " +" ";" cfg "${cfg}")
  list(GET cfg 0 prefix)
  list(GET cfg 1 ocb)
  list(GET cfg 2 th)
  list(GET cfg 3 tw)
  list(GET cfg 4 order)
  list(GET cfg 5 ku)
  list(GET cfg 6 pad)
  list(GET cfg 7 rq)
  list(GET cfg 8 isa)
  list(GET cfg 9 with_flags)
  set(flags "")
  if(with_flags)
    set(flags ${direct_isa_flags_${isa}})
  endif()
  qt_kernel_instance(test_direct templates/direct.c ${prefix} QT_KNOB_OCB=${ocb}
                     QT_KNOB_TH=${th} QT_KNOB_TW=${tw} QT_KNOB_ORDER=${order} QT_KNOB_KU=${ku}
                     QT_KNOB_PAD=${pad} QT_KNOB_RQ=${rq} QT_KNOB_ISA=${isa} ${flags})
endforeach()

# test_direct_space: valid(), default_config() and knob_flags() of schedules/direct.c's isa
# knob; needs libqtune, which the kernels-only (cross) build does not have.
if(TARGET qtune)
  qt_add_test(test_direct_space test_direct_space.c)
endif()
