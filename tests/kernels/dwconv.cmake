# dwconv.cmake — tests of the depthwise template (kernels/templates/dwconv.c) and its knob
# space (schedules/dwconv.c). Included by tests/kernels/CMakeLists.txt, which provides
# qt_add_kernel_test and qt_kernel_instance.
#
# test_dwconv: the template instantiated with runtime shapes for a set of configs that together
# cover every value of every knob (cb 4/8/16/32/64, th 1/2/4, tw 1/2/4/8, order hwc/chw, ku
# 1/2/3, load weights/inputs first, pad inline/prepad/strips, rq tile/row/pass), each swept
# over the depthwise edge shapes, both dtypes and both requant schemes, bit-exact against the
# reference. The first entry is the template's own default (no -D). Host and cross (qemu)
# alike. Keep the list and test_dwconv.c's table in step.
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

# test_dwconv_space: valid() and default_config() of schedules/dwconv.c; needs libqtune,
# which the kernels-only (cross) build does not have.
if(TARGET qtune)
  qt_add_test(test_dwconv_space test_dwconv_space.c)
endif()
