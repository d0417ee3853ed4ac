# dwconv.cmake — tests of the depthwise template (kernels/templates/dwconv.c) and its knob
# space (schedules/dwconv.c). Included by tests/kernels/CMakeLists.txt, which provides
# qt_add_kernel_test and qt_kernel_instance.
#
# test_dwconv: the template instantiated with runtime shapes for a set of configs that together
# cover every value of every knob (cb 4/8/16/32/64, th 1/2/4, tw 1/2/4/8, order hwc/chw, ku
# 1/2/3, load weights/inputs first, pad inline/prepad/strips, rq tile/row/pass, isa
# c/avx2/avx512/neon), each swept over the depthwise edge shapes, both dtypes and both requant
# schemes, bit-exact against the reference. The first entry is the template's own default (no
# -D). Host and cross (qemu) alike. ISA values: the "__<isa>_" entries are built with that
# ISA's flags (avx2/avx512 on x86-64, neon on aarch64; test_dwconv skips them on a CPU without
# the feature) and together cover every value of every knob the isa admits (cb a multiple of
# its vector of int16 channels); the "__<isa>_twin_" entries are built without, so they run
# the micro-kernel's plain C twin (everywhere, qemu included). Keep the lists and
# test_dwconv.c's table in step.
qt_add_kernel_test(test_dwconv test_dwconv.c)
# QT_FN_PREFIX (kernels/README.md naming grammar)      CB TH TW ORDER KU LOAD PAD RQ
foreach(cfg
    "qt_dwconv_c32x2x2_hwc_ku1_inputs_strips_row__c_   32 2  2  0  1  1  2  1"
    "qt_dwconv_c16x2x2_hwc_ku1_weights_strips_tile__c_ 16 2  2  0  1  0  2  0"
    "qt_dwconv_c4x1x1_chw_ku2_inputs_inline_row__c_    4  1  1  1  2  1  0  1"
    "qt_dwconv_c8x4x8_hwc_ku3_weights_prepad_pass__c_  8  4  8  0  3  0  1  2"
    "qt_dwconv_c32x2x4_chw_ku1_inputs_strips_row__c_   32 2  4  1  1  1  2  1"
    "qt_dwconv_c64x1x2_hwc_ku2_weights_inline_pass__c_ 64 1  2  0  2  0  0  2"
    "qt_dwconv_c16x4x1_chw_ku3_weights_prepad_tile__c_ 16 4  1  1  3  0  1  0"
    "qt_dwconv_c8x2x8_chw_ku1_inputs_strips_pass__c_   8  2  8  1  1  1  2  2"
    "qt_dwconv_c4x4x4_hwc_ku2_inputs_prepad_row__c_    4  4  4  0  2  1  1  1"
    "qt_dwconv_c32x1x8_hwc_ku3_inputs_inline_tile__c_  32 1  8  0  3  1  0  0"
    "qt_dwconv_c64x2x1_chw_ku3_weights_strips_row__c_  64 2  1  1  3  0  2  1"
    "qt_dwconv_c8x1x4_hwc_ku1_weights_prepad_tile__c_  8  1  4  0  1  0  1  0"
    "qt_dwconv_c16x4x2_chw_ku2_inputs_inline_pass__c_  16 4  2  1  2  1  0  2")
  string(REGEX REPLACE " +" ";" cfg "${cfg}")
  list(GET cfg 0 prefix)
  list(GET cfg 1 cb)
  list(GET cfg 2 th)
  list(GET cfg 3 tw)
  list(GET cfg 4 order)
  list(GET cfg 5 ku)
  list(GET cfg 6 load)
  list(GET cfg 7 pad)
  list(GET cfg 8 rq)
  qt_kernel_instance(test_dwconv templates/dwconv.c ${prefix} QT_KNOB_CB=${cb} QT_KNOB_TH=${th}
                     QT_KNOB_TW=${tw} QT_KNOB_ORDER=${order} QT_KNOB_KU=${ku}
                     QT_KNOB_LOAD=${load} QT_KNOB_PAD=${pad} QT_KNOB_RQ=${rq})
endforeach()

set(dwconv_isa_flags_1 -mavx2)
set(dwconv_isa_flags_2 -mavx512f -mavx512bw)
set(dwconv_isa_flags_3 "")
set(dwconv_isa_cfgs
    # QT_FN_PREFIX                                        CB TH TW ORDER KU LOAD PAD RQ ISA FLAGS
    "qt_dwconv_c16x4x2_hwc_ku2_weights_inline_row__avx2_twin_  16 4 2 0 2 0 0 1 1 0"
    "qt_dwconv_c32x1x1_chw_ku1_inputs_prepad_pass__avx2_twin_  32 1 1 1 1 1 1 2 1 0"
    "qt_dwconv_c32x2x4_chw_ku2_weights_inline_tile__avx512_twin_ 32 2 4 1 2 0 0 0 2 0"
    "qt_dwconv_c64x4x1_hwc_ku1_inputs_prepad_pass__avx512_twin_ 64 4 1 0 1 1 1 2 2 0"
    "qt_dwconv_c16x2x2_hwc_ku1_inputs_strips_row__neon_twin_   16 2 2 0 1 1 2 1 3 0"
    "qt_dwconv_c8x4x8_chw_ku2_weights_inline_pass__neon_twin_  8  4 8 1 2 0 0 2 3 0")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  target_compile_definitions(test_dwconv PRIVATE QT_TEST_X86_ISA=1)
  list(APPEND dwconv_isa_cfgs
    "qt_dwconv_c16x2x2_hwc_ku1_weights_strips_row__avx2_       16 2 2 0 1 0 2 1 1 1"
    "qt_dwconv_c32x1x4_chw_ku2_inputs_inline_tile__avx2_       32 1 4 1 2 1 0 0 1 1"
    "qt_dwconv_c64x4x1_hwc_ku3_weights_prepad_pass__avx2_      64 4 1 0 3 0 1 2 1 1"
    "qt_dwconv_c16x2x8_chw_ku3_inputs_strips_tile__avx2_       16 2 8 1 3 1 2 0 1 1"
    "qt_dwconv_c32x2x2_hwc_ku1_inputs_strips_row__avx512_      32 2 2 0 1 1 2 1 2 1"
    "qt_dwconv_c64x1x8_chw_ku2_weights_prepad_tile__avx512_    64 1 8 1 2 0 1 0 2 1"
    "qt_dwconv_c32x4x4_hwc_ku3_inputs_inline_pass__avx512_     32 4 4 0 3 1 0 2 2 1"
    "qt_dwconv_c64x2x1_chw_ku3_weights_strips_row__avx512_     64 2 1 1 3 0 2 1 2 1")
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  target_compile_definitions(test_dwconv PRIVATE QT_TEST_ARM_ISA=1)
  list(APPEND dwconv_isa_cfgs
    "qt_dwconv_c8x2x2_hwc_ku1_inputs_strips_row__neon_         8  2 2 0 1 1 2 1 3 1"
    "qt_dwconv_c16x4x4_chw_ku2_weights_prepad_tile__neon_      16 4 4 1 2 0 1 0 3 1"
    "qt_dwconv_c32x1x8_hwc_ku3_inputs_inline_pass__neon_       32 1 8 0 3 1 0 2 3 1"
    "qt_dwconv_c64x2x1_chw_ku3_weights_strips_tile__neon_      64 2 1 1 3 0 2 0 3 1")
endif()
foreach(cfg IN LISTS dwconv_isa_cfgs)
  string(REGEX REPLACE " +" ";" cfg "${cfg}")
  list(GET cfg 0 prefix)
  list(GET cfg 1 cb)
  list(GET cfg 2 th)
  list(GET cfg 3 tw)
  list(GET cfg 4 order)
  list(GET cfg 5 ku)
  list(GET cfg 6 load)
  list(GET cfg 7 pad)
  list(GET cfg 8 rq)
  list(GET cfg 9 isa)
  list(GET cfg 10 with_flags)
  set(flags "")
  if(with_flags)
    set(flags ${dwconv_isa_flags_${isa}})
  endif()
  qt_kernel_instance(test_dwconv templates/dwconv.c ${prefix} QT_KNOB_CB=${cb} QT_KNOB_TH=${th}
                     QT_KNOB_TW=${tw} QT_KNOB_ORDER=${order} QT_KNOB_KU=${ku}
                     QT_KNOB_LOAD=${load} QT_KNOB_PAD=${pad} QT_KNOB_RQ=${rq}
                     QT_KNOB_ISA=${isa} ${flags})
endforeach()

# test_dwconv_space: valid() and default_config() of schedules/dwconv.c; needs libqtune,
# which the kernels-only (cross) build does not have.
if(TARGET qtune)
  qt_add_test(test_dwconv_space test_dwconv_space.c)
endif()
